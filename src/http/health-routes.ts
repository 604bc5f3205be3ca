import { Router } from 'express';
import { AppError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Store } from '../store/index.js';
import { methodNotAllowed } from './middleware/errors.js';

export interface Lifecycle {
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  draining: boolean;
}

export function healthRoutes(store: Store, keys: KeyRing, lifecycle: Lifecycle): Router {
  const router = Router();
  // RFC 9110 §15.5.6: a known path with a wrong method is 405 with Allow, not 404.
  router
    .route('/healthz')
    .get((_req, res) => {
      res.set('Cache-Control', 'no-store').json({ status: 'ok' });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  router
    .route('/readyz')
    .get(async (_req, res) => {
      res.set('Cache-Control', 'no-store');
      if (lifecycle.draining) throw unavailable('shutting down');
      try {
        await store.ping();
      } catch {
        throw unavailable('database unreachable');
      }
      if (!keys.hasSigningKey()) throw unavailable('no active signing key');
      res.json({ status: 'ready' });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}

const unavailable = (why: string) => new AppError('temporarily_unavailable', 503, why, { 'Retry-After': '5' });
