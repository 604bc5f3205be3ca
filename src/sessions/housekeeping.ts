import { addSeconds } from '../clock.js';
import type { Limits } from '../limits/limits.js';
import type { SessionDeps } from './deps.js';

/** Ended (expired or revoked) sessions are kept this long, then deleted with their tokens. */
export const ENDED_SESSION_RETENTION = 30 * 86_400;
/** How often each instance runs housekeeping (idempotent, so instances may overlap). */
export const HOUSEKEEPING_INTERVAL = 60;

/**
 * Contract: only hashes of refresh tokens are stored; the successor may be kept encrypted
 * for the REFRESH_REUSE_INTERVAL window only. Rotation writes it; this clears it once the
 * window is over (at most one HOUSEKEEPING_INTERVAL late). Old ended sessions go too.
 */
export async function purgeSessions(deps: Pick<SessionDeps, 'store' | 'clock' | 'config'>) {
  const now = deps.clock.now();
  // Sessions that ran out unnoticed give their status-list slot back (src/tokens/status-list.ts).
  await deps.store.statusSlots.releaseExpired(now, deps.config.refreshIdleTtl);
  return deps.store.sessions.purge({
    // Grace ends when usedAt + W <= now (refresh.ts); purge clears rows with usedAt < sealedBefore.
    sealedBefore: new Date(addSeconds(now, -deps.config.refreshReuseInterval).getTime() + 1),
    sessionsEndedBefore: addSeconds(now, -ENDED_SESSION_RETENTION),
  });
}

/** A client-credentials token's row is needed only until the token has expired (src/store/clients.ts). */
export function purgeClientTokens(deps: Pick<SessionDeps, 'store' | 'clock'>): Promise<number> {
  return deps.store.clients.purgeTokens(deps.clock.now());
}

/**
 * Runs purgeSessions, purgeClientTokens and the sweep of this process's expired rate-limit
 * counters (src/limits/limits.ts) every HOUSEKEEPING_INTERVAL seconds; returns the function that stops it.
 */
export function startSessionHousekeeping(
  deps: Pick<SessionDeps, 'store' | 'clock' | 'config'> & { limits: Pick<Limits, 'sweep'> },
  onError: (error: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    purgeSessions(deps).catch(onError);
    purgeClientTokens(deps).catch(onError);
    deps.limits.sweep().catch(onError);
  }, HOUSEKEEPING_INTERVAL * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
