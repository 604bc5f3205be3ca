import type { RequestListener } from 'node:http';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import { adminRoutes } from './http/admin-routes.js';
import { authRoutes } from './http/auth-routes.js';
import { adminAuth } from './http/middleware/admin-auth.js';
import { type Lifecycle, healthRoutes } from './http/health-routes.js';
import { inspectorRoutes } from './http/inspector-routes.js';
import { errorHandler, notFoundHandler } from './http/middleware/errors.js';
import { requireHost } from './http/middleware/host.js';
import { openApiRoutes } from './http/openapi-routes.js';
import { adminApiDocument, publicApiDocument } from './http/openapi/document.js';
import { requestLog } from './http/middleware/request-log.js';
import { metricsHandler, requestMetrics } from './http/middleware/metrics.js';
import { rateLimitMiddleware } from './http/middleware/rate-limit.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { statusListDocuments, statusListRoutes } from './http/status-list-routes.js';
import { type DocumentHandler, wellKnownDocuments, wellKnownRoutes } from './http/well-known-routes.js';
import { oauthRoutes } from './http/oauth-routes.js';
import type { Services } from './services.js';

export interface AppDeps extends Services {
  lifecycle: Lifecycle;
}

export interface Apps {
  /** The public listener: auth routes, well-known documents, health. */
  public: Express;
  /**
   * What the public server listens with: the public documents' reads answered before Express
   * (Express's own per-request set-up costs more than the whole answer), everything else by
   * `public`, which also answers those reads first in its stack.
   */
  publicListener: RequestListener;
  /** The admin listener (loopback by default). */
  admin: Express;
}

/** Builds both Express apps from their dependencies; never listens. */
export function createApp(deps: AppDeps): Apps {
  const documents = wellKnownDocuments(deps);
  // Fresh cached status lists; the rest (and every list in tests, which use `public`) by Express.
  const statusLists = statusListDocuments(deps);
  const app = publicApp(deps, documents);
  const publicListener: RequestListener = (req, res) => {
    if (!documents(req, res) && !statusLists(req, res)) app(req, res);
  };
  return { public: app, publicListener, admin: adminApp(deps) };
}

function express5(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requireHost);
  return app;
}

/** Request log, metrics and security headers: every request but the public documents' reads. */
function common(app: Express, deps: AppDeps): Express {
  app.use(requestLog(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(securityHeaders(deps.config));
  return app;
}

function publicApp(deps: AppDeps, documents: DocumentHandler): Express {
  const app = express5(deps);
  // First: the JWKS and metadata reads, answered whole with the same headers (see there).
  app.use((req, res, next) => void (documents(req, res) || next()));
  common(app, deps);
  app.use(healthRoutes(deps.store, deps.keys, deps.lifecycle));
  // Public documents: any origin may read them (browser-side verifiers), without credentials.
  app.use('/.well-known', cors({ methods: ['GET', 'HEAD'], maxAge: 86_400 }), wellKnownRoutes());
  // Status lists: public like the JWKS, so browser-side verifiers (the inspector) can read them.
  app.use('/statuslists', cors({ methods: ['GET', 'HEAD'], maxAge: 86_400 }), statusListRoutes(deps));
  // The API description is public too: any origin may read it (API explorers, code generators).
  app.use('/openapi.json', cors({ methods: ['GET', 'HEAD'], maxAge: 86_400 }));
  app.use(openApiRoutes(publicApiDocument(deps.config)));
  app.use(
    '/auth',
    // Browsers on ALLOWED_ORIGINS only, with credentials (the refresh cookie).
    cors({
      origin: [...deps.config.allowedOrigins],
      credentials: true,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      // A page must be able to read why it was refused: the RFC 6750 challenge on a 401 and
      // how long to wait on a 429/503 (RFC 9110 §10.2.3).
      exposedHeaders: ['X-Request-Id', 'WWW-Authenticate', 'Retry-After'],
      maxAge: 600,
    }),
    cookieParser(),
    authRoutes(deps, rateLimitMiddleware(deps.limits, deps.metrics)),
  );
  if (deps.config.publicInspector) app.use(inspectorRoutes(deps.config));
  // Server-to-server OAuth endpoints (RFC 6749, 7009, 7662): no cookies, no CORS.
  app.use('/oauth', oauthRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

function adminApp(deps: AppDeps): Express {
  const app = common(express5(deps), deps);
  // Before the admin token: a browser cannot send it on a page load, and the page is static
  // (a pasted token is never sent to the server).
  app.use(inspectorRoutes(deps.config));
  app.use(adminAuth(deps.config.adminToken));
  app.get('/metrics', metricsHandler(deps.metrics));
  app.use(openApiRoutes(adminApiDocument(deps.config)));
  app.use('/admin', adminRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
