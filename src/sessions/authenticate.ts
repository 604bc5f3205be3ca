import { invalidToken } from '../errors.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { SessionWithUser } from '../store/sessions.js';
import type { SessionDeps } from './deps.js';
import { sessionExpiry } from './refresh.js';

/**
 * A valid signature is not enough: the session (`sid`) must still be live, so logout,
 * logout-all and reuse detection take effect on access tokens at once.
 */
export async function authenticate(deps: SessionDeps, accessToken: string): Promise<Authenticated> {
  const claims = await deps.accessTokens.verify(accessToken);
  const session = await deps.store.sessions.findSession(claims.sid);
  const now = deps.clock.now();
  if (!session || session.userId !== claims.sub || session.revokedAt || sessionExpiry(session, now, deps.config.refreshIdleTtl)) {
    throw invalidToken('the session of this access token has ended');
  }
  return { claims, user: session.user };
}

export interface Authenticated {
  claims: AccessTokenClaims;
  /** The token's user, read in the same round trip as its session. */
  user: SessionWithUser['user'];
}
