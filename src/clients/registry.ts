import { randomBytes } from 'node:crypto';
import { addSeconds } from '../clock.js';
import { invalidRequest, notFound } from '../errors.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { ClientRecord, ClientType, GrantType } from '../store/clients.js';
import { assertTokenFits } from '../tokens/token-size.js';
import { newClientSecret } from './secret.js';

// Registered clients (RFC 6749 §2): create, rotate the secret, delete. Each change is one
// transaction with its security event (src/store/clients.ts).

type Deps = Pick<SessionDeps, 'store' | 'audit' | 'clock' | 'config'>;

export interface ClientRegistration {
  name: string;
  type: ClientType;
  grantTypes: GrantType[];
  scopes: string[];
  audience?: string;
}

/** RFC 6749 §2.2: server-generated, unique, URL-safe; 128 random bits, never 'latchkey'. */
const newClientId = () => `lkc_${randomBytes(16).toString('base64url')}`;

export async function registerClient(
  deps: Deps,
  input: ClientRegistration,
  ctx: RequestContext,
): Promise<{ client: ClientRecord; secret?: string }> {
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  if (input.type === 'public' && input.grantTypes.includes('client_credentials')) {
    throw invalidRequest('grant_types: client_credentials needs a confidential client (RFC 6749 §4.4)');
  }
  const audience = input.audience ?? deps.config.audience;
  assertTokenFits(deps.config, { roles: [], scope: input.scopes, audience, clientSubject: true }, 'scopes');
  const id = newClientId();
  const secret = input.type === 'confidential' ? newClientSecret() : undefined;
  const event = {
    type: 'admin_client_created' as const,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { clientId: id, clientType: input.type },
  };
  const client = await deps.store.clients.create(
    {
      id,
      name: input.name,
      type: input.type,
      grantTypes: input.grantTypes,
      scopes: input.scopes,
      audience,
      secretHash: secret?.hash ?? null,
    },
    deps.clock.now(),
    event,
  );
  deps.audit.logged(event);
  return { client, secret: secret?.secret };
}

/**
 * A new secret, returned once. With `grace` > 0 the previous secret keeps working that many
 * seconds, so a fleet can roll the new one out without downtime; 0: it stops at once.
 */
export async function rotateClientSecret(deps: Deps, clientId: string, grace: number, ctx: RequestContext): Promise<string> {
  const client = await deps.store.clients.find(clientId);
  if (!client) throw notFound(`no client with id ${clientId}`);
  if (client.type !== 'confidential') throw invalidRequest('client: a public client has no secret to rotate');
  const now = deps.clock.now();
  const next = newClientSecret();
  const previous = grace > 0 ? { hash: client.secretHash, validUntil: addSeconds(now, grace) } : { hash: null, validUntil: null };
  const event = {
    type: 'admin_client_secret_rotated' as const,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { clientId, graceSeconds: grace },
  };
  if (!(await deps.store.clients.replaceSecret(clientId, next.hash, previous, now, event))) {
    throw notFound(`no client with id ${clientId}`);
  }
  deps.audit.logged(event);
  return next.secret;
}

/** Deletes the client; every session issued to it is revoked and its tokens show as revoked. */
export async function deleteClient(deps: Deps, clientId: string, ctx: RequestContext): Promise<void> {
  const event = { type: 'admin_client_deleted' as const, ip: ctx.ip, requestId: ctx.requestId, details: { clientId } };
  const { deleted, sessionsRevoked } = await deps.store.clients.delete(clientId, deps.clock.now(), event);
  if (!deleted) throw notFound(`no client with id ${clientId}`);
  deps.audit.logged({ ...event, details: { clientId, sessionsRevoked } });
}
