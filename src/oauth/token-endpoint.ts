import { randomUUID } from 'node:crypto';
import { statusReference, statusReuseCutoff } from '../tokens/status-list.js';
import { addSeconds } from '../clock.js';
import { AppError, invalidRequest } from '../errors.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import { rotateRefreshToken } from '../sessions/refresh.js';
import type { ClientRecord, GrantType } from '../store/clients.js';
import { formatScope, grantScope, parseScope } from './scope.js';

// POST /oauth/token (RFC 6749 §4.4 client credentials, §6 refresh): what each grant decides.
// The client is already authenticated (client-auth.ts); the route shapes the JSON.

export const SUPPORTED_GRANTS: readonly GrantType[] = ['client_credentials', 'refresh_token'];

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

type Deps = SessionDeps;

/** RFC 6749 §5.2: unsupported_grant_type for a grant this server does not know at all. */
export function requestedGrant(params: Readonly<Record<string, string>>): GrantType {
  const grant = params.grant_type;
  if (grant === undefined) throw invalidRequest('grant_type: is required');
  if (!(SUPPORTED_GRANTS as readonly string[]).includes(grant)) {
    throw new AppError(
      'unsupported_grant_type',
      `grant_type: ${grant.slice(0, 64)} is not supported (${SUPPORTED_GRANTS.join(', ')})`,
    );
  }
  return grant as GrantType;
}

export async function tokenGrant(
  deps: Deps,
  grant: GrantType,
  client: ClientRecord,
  params: Readonly<Record<string, string>>,
  ctx: RequestContext,
): Promise<TokenResponse> {
  // RFC 6749 §5.2 unauthorized_client: this client is not registered for this grant.
  if (!client.grantTypes.includes(grant)) {
    throw new AppError('unauthorized_client', `this client may not use the ${grant} grant`);
  }
  const scope = parseScope(params.scope);
  return grant === 'client_credentials' ? clientCredentials(deps, client, scope) : refreshToken(deps, client, params, scope, ctx);
}

/**
 * RFC 6749 §4.4: a token for the client itself. `sub` is the client id (RFC 9068 §2.2), `aud`
 * the client's audience, `scope` what it asked for within what it is allowed (all of it when it
 * asked for nothing), no `sid`, and no refresh token (§4.4.3). The token is recorded first, so it
 * can be revoked, and a deleted client gets none.
 */
async function clientCredentials(deps: Deps, client: ClientRecord, requested: string[] | undefined): Promise<TokenResponse> {
  if (client.type !== 'confidential') throw new AppError('unauthorized_client', 'client credentials need a confidential client');
  const scope = grantScope({ held: client.scopes, requested, ceilings: [client.scopes] });
  const jti = randomUUID();
  const now = deps.clock.now();
  const recorded = await deps.store.clients.recordToken({
    jti,
    clientId: client.id,
    now,
    expiresAt: addSeconds(now, deps.config.accessTokenTtl + deps.config.clockSkew),
    statusReuseBefore: statusReuseCutoff(now, deps.config),
  });
  if (!recorded) throw new AppError('invalid_client', 'client authentication failed');
  const access = await deps.accessTokens.issue({
    subject: client.id,
    clientId: client.id,
    audience: client.audience,
    scope,
    jti,
    // draft-ietf-oauth-status-list-21 §6.1: a revocation (RFC 7009, client deletion) reaches resource servers.
    status: statusReference(deps.config.issuer, recorded.statusSlot),
  });
  return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: formatScope(scope) };
}

/** RFC 6749 §6 through the one rotation implementation (sessions/refresh.ts), bound to this client. */
async function refreshToken(
  deps: Deps,
  client: ClientRecord,
  params: Readonly<Record<string, string>>,
  requested: string[] | undefined,
  ctx: RequestContext,
): Promise<TokenResponse> {
  if (params.refresh_token === undefined) throw invalidRequest('refresh_token: is required');
  try {
    const issued = await rotateRefreshToken(deps, params.refresh_token, ctx, {
      client: { id: client.id, scopes: client.scopes },
      scope: requested,
    });
    return {
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      scope: formatScope(issued.scope),
    };
  } catch (error) {
    // RFC 6749 §5.2: invalid_grant is a 400 here (the cookie endpoint keeps its 401).
    if (error instanceof AppError && error.code === 'invalid_grant') {
      throw new AppError('invalid_grant', error.description, { status: 400 });
    }
    throw error;
  }
}
