import { epochSeconds } from '../clock.js';
import type { SessionDeps } from '../sessions/deps.js';
import { sessionExpiry } from '../sessions/refresh.js';
import { hashRefreshToken, looksLikeRefreshToken } from '../sessions/refresh-token.js';
import type { ClientRecord } from '../store/clients.js';
import type { SessionRecord } from '../store/sessions.js';
import type { InspectedAccessToken } from '../tokens/access-token.js';
import { addSeconds } from '../clock.js';
import { formatScope, grantScope } from './scope.js';

// RFC 7662 introspection: finds the token the caller holds and decides whether that caller may
// see it, and whether it is live. It never rotates or spends a refresh token.

type Deps = Pick<SessionDeps, 'store' | 'accessTokens' | 'clock' | 'config'>;

export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: Introspection = Object.freeze({ active: false });

/**
 * Whether the account behind a token may still use it: not disabled (a deleted user has no
 * session left). Sessions read by findSession already exclude disabled users.
 */
function accountIsUsable(user: { disabledAt: Date | null }): boolean {
  return !user.disabledAt;
}

/** RFC 7662 §2.2: `active:false` for anything not currently valid or not the caller's to see. */
export async function introspect(deps: Deps, caller: ClientRecord, token: string): Promise<Introspection> {
  // The two kinds cannot be confused: a refresh token is 43 base64url characters, a JWT has dots.
  if (looksLikeRefreshToken(token)) return introspectRefreshToken(deps, caller, token);
  const claims = await deps.accessTokens.inspect(token).catch(() => undefined);
  if (!claims || !mayIntrospect(caller, claims)) return INACTIVE;
  const base = {
    active: true as const,
    token_type: 'access_token',
    scope: formatScope(claims.scope),
    client_id: claims.clientId,
    sub: claims.sub,
    aud: claims.aud.length === 1 ? claims.aud[0] : claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
  };
  if (claims.sid === undefined) {
    // A client-credentials token: live while unrevoked and its client exists.
    return (await deps.store.clients.tokenIsLive(claims.jti, claims.clientId)) ? base : INACTIVE;
  }
  const session = await deps.store.sessions.findSession(claims.sid);
  // findSession answers nothing for a disabled user's session (its join requires an enabled user).
  if (!session || session.userId !== claims.sub || !sessionIsLive(deps, session)) return INACTIVE;
  return { ...base, sid: claims.sid, username: session.user.email };
}

/**
 * The caller sees access tokens meant for its audience, and its own. A resource server
 * registered with audience `api` introspects the tokens for `api`, nobody else's.
 */
function mayIntrospect(caller: ClientRecord, claims: InspectedAccessToken): boolean {
  return claims.clientId === caller.id || claims.aud.includes(caller.audience);
}

/** Refresh tokens are introspectable only by the client they were issued to (contract). */
async function introspectRefreshToken(deps: Deps, caller: ClientRecord, token: string): Promise<Introspection> {
  const found = await deps.store.sessions.findPresentedToken(hashRefreshToken(token));
  if (!found || found.session.clientId !== caller.id || found.usedAt !== null || !sessionIsLive(deps, found.session)) {
    return INACTIVE;
  }
  const user = await deps.store.users.findById(found.session.userId);
  if (!user || !accountIsUsable(user)) return INACTIVE;
  const { session } = found;
  const idleEnd = addSeconds(session.lastUsedAt, deps.config.refreshIdleTtl);
  return {
    active: true,
    token_type: 'refresh_token',
    // What a refresh asking for nothing narrower would grant now.
    scope: formatScope(
      grantScope({ held: found.grants.permissions, requested: undefined, ceilings: [caller.scopes, session.scope] }),
    ),
    client_id: session.clientId,
    sub: session.userId,
    iss: deps.config.issuer,
    exp: epochSeconds(idleEnd < session.expiresAt ? idleEnd : session.expiresAt),
    iat: epochSeconds(found.createdAt),
    sid: session.id,
    username: user.email,
  };
}

function sessionIsLive(deps: Deps, session: SessionRecord): boolean {
  return !session.revokedAt && !sessionExpiry(session, deps.clock.now(), deps.config.refreshIdleTtl);
}
