import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../../metrics.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Records request counts and latency by route template and status, once per request (src/metrics.ts). */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const method = METHODS.has(req.method) ? req.method : 'other';
      // A client that went away before the answer was sent has no status.
      const status = res.headersSent ? res.statusCode : 'aborted';
      metrics.recordRequest(method, routeTemplate(req), status, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** GET /metrics on the admin listener: the Prometheus text exposition of the registry. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * The matched route as written in the code (`/admin/keys/:kid/revoke`), never the raw path.
 * Express keeps `req.route` (relative to its router) after an error left the router, but not
 * the router's mount path; mounts here are static, so the mount is the raw path's leading
 * segments that the route pattern does not account for.
 */
function routeTemplate(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  const routeSegments = pattern.split('/').filter(Boolean);
  const pathSegments = (req.originalUrl.split('?')[0] ?? '').split('/').filter(Boolean);
  const mount = pathSegments.slice(0, Math.max(0, pathSegments.length - routeSegments.length));
  return `/${[...mount.map((s) => s.toLowerCase()), ...routeSegments].join('/')}`;
}
