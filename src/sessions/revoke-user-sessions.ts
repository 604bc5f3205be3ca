import { notFound } from '../errors.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { RequestContext, SessionDeps } from './deps.js';
import { revokeAllSessions } from './logout.js';

/** Admin: ends every live session of a user at once (their access tokens fail /auth/me next). */
export async function revokeUserSessions(
  deps: Pick<SessionDeps, 'store' | 'audit' | 'clock'>,
  userId: string,
  ctx: RequestContext,
): Promise<number> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw notFound(`no user with id ${userId}`);
  const event: SecurityEvent = { type: 'admin_sessions_revoked', userId, ip: ctx.ip, requestId: ctx.requestId };
  return revokeAllSessions(deps, userId, 'admin', event);
}
