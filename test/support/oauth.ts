import type TestAgent from 'supertest/lib/agent.js';
import type { Harness } from './harness.js';
import { PASSWORD, register, uniqueEmail } from './auth.js';

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  name: string;
  type: 'confidential' | 'public';
  grant_types: string[];
  scopes: string[];
  audience: string;
}

/** Registers a client through the admin API. */
export async function createClient(h: Pick<Harness, 'admin'>, body: Record<string, unknown>): Promise<RegisteredClient> {
  const res = await h.admin.post('/admin/clients').send({ name: 'test client', ...body });
  if (res.status !== 201) throw new Error(`client create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as RegisteredClient;
}

/** RFC 6749 §2.3.1: Basic over the form-urlencoded id and secret. */
export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/** A form-encoded POST, optionally with HTTP Basic client authentication. */
export function postForm(
  http: TestAgent,
  path: string,
  form: Record<string, string> | string,
  auth?: { id: string; secret: string },
) {
  const request = http.post(path).type('form');
  if (auth) request.set('Authorization', basic(auth.id, auth.secret));
  return request.send(typeof form === 'string' ? form : new URLSearchParams(form).toString());
}

/** A registered client's HTTP Basic credentials (RFC 6749 §2.3.1). */
export const credentials = (client: RegisteredClient) => ({ id: client.client_id, secret: client.client_secret! });

/** POST /oauth/token with `form`; `client` (or explicit credentials) authenticates with HTTP Basic. */
export function tokenRequest(
  h: Pick<Harness, 'http'>,
  form: Record<string, string> | string,
  client?: RegisteredClient | { id: string; secret: string },
) {
  return postForm(h.http, '/oauth/token', form, client && ('client_id' in client ? credentials(client) : client));
}

/** grant_type=refresh_token by a public client, which names itself with client_id (RFC 6749 §6). */
export function publicRefresh(
  h: Pick<Harness, 'http'>,
  client: RegisteredClient,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(h, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, ...extra });
}

/** A user logged in through a registered client (native app): tokens in the body, no cookie. */
export async function nativeLogin(
  h: Pick<Harness, 'http'>,
  client: RegisteredClient,
  extra: Record<string, string> = {},
  email = uniqueEmail('native'),
) {
  const user = await register(h.http, email);
  const res = await h.http.post('/auth/login').send({
    email,
    password: PASSWORD,
    client_id: client.client_id,
    ...(client.client_secret && { client_secret: client.client_secret }),
    ...extra,
  });
  if (res.status !== 200) throw new Error(`native login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    userId: user.id,
    email,
    accessToken: res.body.access_token as string,
    refreshToken: res.body.refresh_token as string,
    body: res.body,
    res,
  };
}

/** Row counts of everything a token request could write. */
export async function writeCounts(h: Pick<Harness, 'database'>) {
  const { prisma } = h.database.db;
  const [sessions, revoked, tokens, used, clientTokens, events] = await Promise.all([
    prisma.session.count(),
    prisma.session.count({ where: { revokedAt: { not: null } } }),
    prisma.refreshToken.count(),
    prisma.refreshToken.count({ where: { usedAt: { not: null } } }),
    prisma.clientToken.count(),
    prisma.securityEvent.count(),
  ]);
  return { sessions, revoked, tokens, used, clientTokens, events };
}
