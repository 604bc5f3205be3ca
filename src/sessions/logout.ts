import type { SecurityEvent } from '../store/security-events.js';
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
export async function logoutAll(
  deps: SessionDeps,
  auth: { userId: string; sessionId: string },
  ctx: RequestContext,
): Promise<number> {
  const event: SecurityEvent = {
    type: 'logout_all',
    userId: auth.userId,
    sessionId: auth.sessionId,
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
  const count = await deps.store.sessions.revokeAllForUser(auth.userId, 'logout_all', deps.clock.now(), event);
  deps.audit.logged({ ...event, details: { revoked: count } });
  return count;
}
