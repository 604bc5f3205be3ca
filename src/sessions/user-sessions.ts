import { addSeconds } from '../clock.js';
import { notFound } from '../errors.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { SessionSummary } from '../store/sessions.js';
import type { RequestContext, SessionDeps } from './deps.js';
import { revokeAllSessions } from './logout.js';

// The signed-in user's own sessions: list them, end one, end all but this one. Every answer
// is about the caller's sessions only; another user's session is indistinguishable from none.

/** Who is asking: the access token's subject and session (`sid`), already authenticated. */
export interface SignedIn {
  userId: string;
  sessionId: string;
}

export interface SessionView extends SessionSummary {
  /** The session of the access token that asked. */
  current: boolean;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Live sessions, newest first. `expiresAt` is when the session ends if nothing else happens:
 * the earlier of its absolute expiry and its idle expiry (last use + REFRESH_IDLE_TTL).
 */
export async function listSessions(
  deps: Pick<SessionDeps, 'store' | 'clock' | 'config'>,
  auth: SignedIn,
): Promise<SessionView[]> {
  const now = deps.clock.now();
  const idle = deps.config.refreshIdleTtl;
  const sessions = await deps.store.sessions.listLive(auth.userId, now, addSeconds(now, -idle));
  return sessions.map((s) => {
    const idleExpiry = addSeconds(s.lastUsedAt, idle);
    return { ...s, expiresAt: idleExpiry < s.expiresAt ? idleExpiry : s.expiresAt, current: s.id === auth.sessionId };
  });
}

/**
 * Ends one live session of the caller (the current one included: that is a logout). A malformed
 * id, an unknown one, an ended one and another user's all answer the same 404 (no oracle).
 */
export async function revokeOwnSession(
  deps: Pick<SessionDeps, 'store' | 'audit' | 'clock' | 'config'>,
  auth: SignedIn,
  sessionId: string,
  ctx: RequestContext,
): Promise<void> {
  const now = deps.clock.now();
  const event: SecurityEvent = {
    type: 'session_revoked',
    userId: auth.userId,
    sessionId,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { reason: 'session_deleted', bySessionId: auth.sessionId },
  };
  const revoked =
    SESSION_ID.test(sessionId) &&
    (await deps.store.sessions.revokeOwn({
      sessionId,
      userId: auth.userId,
      reason: 'session_deleted',
      now,
      idleCutoff: addSeconds(now, -deps.config.refreshIdleTtl),
      event,
    }));
  if (!revoked) throw notFound('no such session');
  deps.audit.logged(event);
}

/** Ends every session of the caller except the one asking ("sign out everywhere else"). */
export function logoutOthers(
  deps: Pick<SessionDeps, 'store' | 'audit' | 'clock'>,
  auth: SignedIn,
  ctx: RequestContext,
): Promise<number> {
  const event: SecurityEvent = {
    type: 'logout_others',
    userId: auth.userId,
    sessionId: auth.sessionId,
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
  return revokeAllSessions(deps, auth.userId, 'logout_others', event, { except: auth.sessionId });
}
