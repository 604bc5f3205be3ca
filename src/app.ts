import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { authRoutes, type AuthRouteLimits } from './http/auth-routes.js';
import { type Lifecycle, healthRoutes } from './http/health-routes.js';
import { errorHandler, notFoundHandler } from './http/middleware/errors.js';
import { requestLog } from './http/middleware/request-log.js';
import { wellKnownRoutes } from './http/well-known-routes.js';
import type { Services } from './services.js';

export interface AppDeps extends Services {
  lifecycle: Lifecycle;
  limits?: Partial<AuthRouteLimits>;
}

export interface Apps {
  /** The public listener: auth routes, well-known documents, health. */
  public: Express;
  /** The admin listener (loopback by default). */
  admin: Express;
}

/** Builds both Express apps from their dependencies; never listens. */
export function createApp(deps: AppDeps): Apps {
  return { public: publicApp(deps), admin: adminApp(deps) };
}

function baseApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  // A JSON API: helmet's defaults, with a CSP that allows nothing to load.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  return app;
}

function publicApp(deps: AppDeps): Express {
  const app = baseApp(deps);
  app.use(healthRoutes(deps.store, deps.keys, deps.lifecycle));
  app.use('/.well-known', wellKnownRoutes(deps.config, deps.keys));
  app.use(
    '/auth',
    // Browsers on ALLOWED_ORIGINS only, with credentials (the refresh cookie).
    cors({
      origin: [...deps.config.allowedOrigins],
      credentials: true,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
    cookieParser(),
    authRoutes(deps, deps.limits),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function adminApp(deps: AppDeps): Express {
  const app = baseApp(deps);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
