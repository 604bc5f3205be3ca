import type { Request } from 'express';
import { AppError, invalidRequest, tooManyRequests } from '../errors.js';
import type { AttemptGuard } from '../limits/attempt-guard.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { ClientRecord } from '../store/clients.js';
import { secretMatches, validSecretHashes } from '../clients/secret.js';

// Client authentication (RFC 6749 §2.3): client_secret_basic (§2.3.1, HTTP Basic with the
// form-urlencoded id and secret), client_secret_post (id and secret as parameters), or a public
// client naming itself by client_id alone ("none"). One method per request (§2.3).

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface PresentedClient {
  method: AuthMethod;
  clientId: string;
  secret?: string;
}

/** RFC 6749 §5.2: a failed HTTP Basic attempt is answered 401 with a Basic challenge. */
export const BASIC_CHALLENGE = 'Basic realm="latchkey"';

export function invalidClient(description: string, triedBasic: boolean): AppError {
  return new AppError('invalid_client', description, triedBasic ? { headers: { 'WWW-Authenticate': BASIC_CHALLENGE } } : {});
}

/**
 * Which client the request says it is, and how it proves it. `params` are the request's
 * parameters (form, or the login's JSON). Undefined: no client named at all.
 */
export function presentedClient(
  req: Request,
  params: { client_id?: unknown; client_secret?: unknown },
): PresentedClient | undefined {
  const header = req.get('authorization');
  const bodyId = typeof params.client_id === 'string' && params.client_id !== '' ? params.client_id : undefined;
  const bodySecret = typeof params.client_secret === 'string' && params.client_secret !== '' ? params.client_secret : undefined;
  if (header !== undefined) {
    const basic = parseBasic(header);
    if (bodySecret !== undefined)
      throw invalidRequest('client authentication: use HTTP Basic or client_secret, not both (RFC 6749 §2.3)');
    // The id may be repeated as a parameter, but it must be the same client.
    if (bodyId !== undefined && bodyId !== basic.clientId)
      throw invalidRequest('client_id: differs from the client in the Authorization header');
    return { method: 'client_secret_basic', ...basic };
  }
  if (bodyId === undefined) {
    if (bodySecret !== undefined) throw invalidRequest('client_id: is required with client_secret');
    return undefined;
  }
  return bodySecret === undefined
    ? { method: 'none', clientId: bodyId }
    : { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
}

/** RFC 6749 §2.3.1 and Appendix B: Basic credentials are the form-urlencoded id and secret. */
function parseBasic(header: string): { clientId: string; secret: string } {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidClient('Authorization header must be HTTP Basic with the client id and secret', true);
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (!clientId || !secret) throw new Error('empty');
    return { clientId, secret };
  } catch {
    throw invalidClient('HTTP Basic credentials must be the form-urlencoded client id and secret', true);
  }
}

const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, '%20'));

const CLIENT_ID = /^[\x21-\x7E]{1,64}$/;

export interface ClientAuthDeps extends Pick<SessionDeps, 'store' | 'audit' | 'clock'> {
  /** Client-secret attempts (src/limits/attempt-guard.ts): consumed before the secret is checked. */
  clientAuthLimits: AttemptGuard;
}

/**
 * Authenticates the presented client: a confidential client by its current secret (or the
 * previous one within its rotation grace period), compared in constant time; a public client
 * by its id alone, and never with a secret. Every failure is the same invalid_client, counted
 * toward the brute-force limits per client and per IP, and recorded.
 */
export async function authenticateClient(
  deps: ClientAuthDeps,
  presented: PresentedClient,
  ctx: RequestContext,
): Promise<ClientRecord> {
  const triedBasic = presented.method === 'client_secret_basic';
  const plausible = CLIENT_ID.test(presented.clientId);
  // The attempt is consumed before the secret is compared (refunded on success), so a burst of
  // simultaneous guesses cannot outrun the limit; an unknown id counts like a known one.
  const [client, { ticket, refusal }] = await Promise.all([
    plausible ? deps.store.clients.find(presented.clientId) : null,
    deps.clientAuthLimits.admit({ subject: presented.clientId, ip: ctx.ip }),
  ]);
  if (refusal) throw tooManyRequests(refusal.retryAfter);

  const problem = !client
    ? 'unknown_client'
    : client.type === 'public'
      ? presented.method === 'none'
        ? undefined
        : 'secret_sent_by_public_client'
      : presented.secret === undefined
        ? 'secret_missing'
        : secretMatches(presented.secret, validSecretHashes(client, deps.clock.now()))
          ? undefined
          : 'wrong_secret';
  if (problem || !client) {
    await ticket.failed();
    await deps.audit.record({
      type: 'client_auth_failed',
      ip: ctx.ip,
      requestId: ctx.requestId,
      details: { reason: problem ?? 'unknown_client', method: presented.method, ...(client && { clientId: client.id }) },
    });
    throw invalidClient('client authentication failed', triedBasic);
  }
  await ticket.succeeded();
  return client;
}
