import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import { hashRefreshToken, looksLikeRefreshToken } from '../sessions/refresh-token.js';
import type { ClientRecord } from '../store/clients.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { SessionRecord } from '../store/sessions.js';

// RFC 7009 revocation: finds the token the caller holds and ends it if it is the caller's.

type Deps = Pick<SessionDeps, 'store' | 'accessTokens' | 'clock' | 'audit'>;

/**
 * RFC 7009 §2.1: revokes a token of the caller's. A refresh token, or a user's access token,
 * ends its session (the whole family: §2.1 allows it, and RFC 9700 §4.14.2 expects it); a
 * client-credentials access token is marked revoked. A token of another client, unknown, or
 * already dead: nothing to do, and the answer is the same (§2.2).
 */
export async function revoke(deps: Deps, caller: ClientRecord, token: string, ctx: RequestContext): Promise<void> {
  const now = deps.clock.now();
  const event = (details: SecurityEvent['details'], session?: SessionRecord): SecurityEvent => ({
    type: 'token_revoked',
    userId: session?.userId ?? null,
    sessionId: session?.id ?? null,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { clientId: caller.id, ...details },
  });
  const endSession = async (session: SessionRecord, tokenType: string) => {
    if (session.clientId !== caller.id || session.revokedAt) return;
    const e = event({ tokenType }, session);
    if (await deps.store.sessions.revoke(session.id, 'revoked_by_client', now, e)) deps.audit.logged(e);
  };

  if (looksLikeRefreshToken(token)) {
    const found = await deps.store.sessions.findPresentedToken(hashRefreshToken(token));
    if (found) await endSession(found.session, 'refresh_token');
    return;
  }
  const claims = await deps.accessTokens.inspect(token).catch(() => undefined);
  if (!claims || claims.clientId !== caller.id) return;
  if (claims.sid !== undefined) {
    const session = await deps.store.sessions.findSession(claims.sid);
    if (session) await endSession(session, 'access_token');
    return;
  }
  const e = event({ tokenType: 'access_token', jti: claims.jti });
  if (await deps.store.clients.revokeToken(claims.jti, caller.id, now, e)) deps.audit.logged(e);
}
