import { grantScope } from '../oauth/scope.js';
import type { Grants, SessionRecord } from '../store/sessions.js';
import { statusReference } from '../tokens/status-list.js';
import type { IssuedTokens, PresentingClient, SessionDeps } from './deps.js';

/** Who the access token is for, and the scope the request asked for (none: all the ceilings allow). */
export interface Grant {
  client: PresentingClient;
  requested: readonly string[] | undefined;
}

/**
 * The access token of a user session, for login and refresh alike: the user's roles, and the
 * scope their permissions give within the request and the client's and session's ceilings.
 */
export async function issueForSession(
  deps: Pick<SessionDeps, 'accessTokens' | 'config'>,
  session: Pick<SessionRecord, 'id' | 'userId' | 'scope' | 'statusSlot'>,
  grants: Grants,
  { client, requested }: Grant,
): Promise<Omit<IssuedTokens, 'refreshToken' | 'refreshMaxAge'>> {
  const scope = grantScope({ held: grants.permissions, requested, ceilings: [client.scopes, session.scope] });
  const access = await deps.accessTokens.issue({
    subject: session.userId,
    sessionId: session.id,
    clientId: client.id,
    scope,
    roles: grants.roles,
    status: statusReference(deps.config.issuer, session.statusSlot),
  });
  return { accessToken: access.token, expiresIn: access.expiresIn, sessionId: session.id, scope, roles: grants.roles };
}
