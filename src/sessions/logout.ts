import type { SecurityEvent } from '../store/security-events.js';
import type { RevokeReason } from '../store/sessions.js';
import type { RequestContext, SessionDeps } from './deps.js';
import { hashRefreshToken, looksLikeRefreshToken } from './refresh-token.js';

/** Ends the session the refresh token belongs to. Idempotent: no token, unknown token → nothing to do. */
export async function logout(deps: SessionDeps, presented: unknown, ctx: RequestContext): Promise<void> {
  if (!looksLikeRefreshToken(presented)) return;
  const found = await deps.store.sessions.findPresentedToken(hashRefreshToken(presented));
  if (!found || found.session.revokedAt) return;
  const event: SecurityEvent = {
    type: 'logout',
    userId: found.session.userId,
    sessionId: found.session.id,
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
  if (await deps.store.sessions.revoke(found.session.id, 'logout', deps.clock.now(), event)) deps.audit.logged(event);
}

/** Ends every session of the user (all devices). */
export function logoutAll(deps: SessionDeps, auth: { userId: string; sessionId: string }, ctx: RequestContext): Promise<number> {
  return revokeAllSessions(deps, auth.userId, 'logout_all', {
    type: 'logout_all',
    userId: auth.userId,
    sessionId: auth.sessionId,
    ip: ctx.ip,
    requestId: ctx.requestId,
  });
}

/**
 * Revokes every live session of a user (but `except`) and records `event` with the revocation
 * (one transaction); the log line also carries how many sessions ended. Returns that count.
 */
export async function revokeAllSessions(
  deps: Pick<SessionDeps, 'store' | 'audit' | 'clock'>,
  userId: string,
  reason: RevokeReason,
  event: SecurityEvent,
  options: { except?: string } = {},
): Promise<number> {
  const revoked = await deps.store.sessions.revokeAllForUser(userId, reason, deps.clock.now(), event, options);
  deps.audit.logged({ ...event, details: { revoked } });
  return revoked;
}
