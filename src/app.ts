import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import { adminRoutes } from './http/admin-routes.js';
import { authRoutes } from './http/auth-routes.js';
import { adminAuth } from './http/middleware/admin-auth.js';
import { type Lifecycle, healthRoutes } from './http/health-routes.js';
import { errorHandler, notFoundHandler } from './http/middleware/errors.js';
import { requestLog } from './http/middleware/request-log.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { wellKnownDocuments, wellKnownRoutes } from './http/well-known-routes.js';
import type { Services } from './services.js';

export interface AppDeps extends Services {
  lifecycle: Lifecycle;
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

function express5(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.set('query parser', 'simple');
  return app;
}

/** Request log, metrics and security headers: every request but the public documents' reads. */
function common(app: Express, deps: AppDeps): Express {
  app.use(requestLog(deps.logger));
  app.use(deps.metrics.middleware);
  app.use(securityHeaders(deps.config));
  return app;
}

function publicApp(deps: AppDeps): Express {
  const app = express5(deps);
  // First: the JWKS and metadata reads, answered whole with the same headers (see there).
  app.use(wellKnownDocuments(deps));
  common(app, deps);
  app.use(healthRoutes(deps.store, deps.keys, deps.lifecycle));
  // Public documents: any origin may read them (browser-side verifiers), without credentials.
  app.use('/.well-known', cors({ methods: ['GET', 'HEAD'], maxAge: 86_400 }), wellKnownRoutes());
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
  // Server-to-server OAuth endpoints (RFC 6749, 7009, 7662): no cookies, no CORS.
  app.use('/oauth', oauthRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function adminApp(deps: AppDeps): Express {
  const app = common(express5(deps), deps);
  app.use(adminAuth(deps.config.adminToken));
  app.get('/metrics', deps.metrics.handler);
  app.use('/admin', adminRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
