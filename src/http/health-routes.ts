import { Router } from 'express';
import { temporarilyUnavailable } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Store } from '../store/index.js';
import { methodNotAllowed } from './middleware/errors.js';

export interface Lifecycle {
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  draining: boolean;
}

/** A probe must answer: a database that does not reply within this is as good as down. */
export const READY_DB_TIMEOUT_MS = 2000;

export function healthRoutes(store: Store, keys: KeyRing, lifecycle: Lifecycle, dbTimeoutMs = READY_DB_TIMEOUT_MS): Router {
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
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), dbTimeoutMs);
      });
      try {
        await Promise.race([store.ping(), timedOut]);
      } catch {
        throw unavailable('database unreachable');
      } finally {
        clearTimeout(timer);
      }
      if (!keys.hasSigningKey()) throw unavailable('no active signing key');
      res.json({ status: 'ready' });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}

const unavailable = (why: string) => temporarilyUnavailable(why);
