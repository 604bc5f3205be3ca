import { type Verifier, createVerifier } from '@latchkey/verify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, refresh, registerAndLogin } from '../support/auth.js';
import { type ListeningHarness, startListeningHarness } from '../support/harness.js';
import { bearer } from '../http/helpers.js';
import { createClient, credentials, postForm, tokenRequest } from '../support/oauth.js';

// Revocation that reaches resource servers (CONTRACT.md Part 2), end to end: a listening
// Latchkey, and @latchkey/verify fetching its JWKS and status lists over HTTP, both on the same
// fake clock. Each way a session ends must reach the verifier within STATUS_LIST_TTL + 1 s, and
// a live session's token must never be rejected.

const TTL = 30;
let h: ListeningHarness;

beforeAll(async () => {
  h = await startListeningHarness({ STATUS_LIST_TTL: String(TTL), JWKS_MAX_AGE: '300', KEY_PREPUBLISH: '600' });
});
afterAll(() => h?.close());

const newVerifier = () => createVerifier({ issuer: h.config.issuer, audience: h.config.audience, clock: h.clock });

async function verdict(verifier: Verifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'valid';
  } catch (error) {
    return (error as { description?: string }).description ?? String(error);
  }
}

/** Logs `user` out one way; `bystander` is another user whose session stays live. */
type Revocation = (user: LoggedIn) => Promise<unknown>;

const revocations: Record<string, Revocation> = {
  logout: (user) => h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`).expect(204),
  'logout-all': (user) => h.http.post('/auth/logout-all').set(bearer(user.accessToken)).expect(204),
  'reuse detection': async (user) => {
    await refresh(h, user.refreshToken).expect(200);
    h.clock.advance(h.config.refreshReuseInterval + 1);
    await refresh(h, user.refreshToken).expect(401);
  },
  'admin revoke-sessions': (user) => h.admin.post(`/admin/users/${user.userId}/revoke-sessions`).expect(200),
  'logout-others': async (user) => {
    const other = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await h.http
      .post('/auth/logout-others')
      .set(bearer(other.body.access_token as string))
      .expect(204);
  },
  'session delete': async (user) => {
    const other = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    const sid = decodeJwt(user.accessToken).sid as string;
    await h.http
      .delete(`/auth/sessions/${sid}`)
      .set(bearer(other.body.access_token as string))
      .expect(204);
  },
  'password change': async (user) => {
    const other = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await h.http
      .post('/auth/password')
      .set(bearer(other.body.access_token as string))
      .send({ current_password: user.password, new_password: 'a different long passphrase' })
      .expect(204);
  },
  'password reset': async (user) => {
    const issued = await h.admin.post(`/admin/users/${user.userId}/password-reset`).expect(201);
    await h.http
      .post('/auth/password/reset')
      .send({ reset_token: issued.body.reset_token as string, new_password: 'a different long passphrase' })
      .expect(204);
  },
  'user disable': (user) => h.admin.post(`/admin/users/${user.userId}/disable`).expect(200),
  'user delete': (user) => h.admin.delete(`/admin/users/${user.userId}`).expect(204),
};

describe.each(Object.entries(revocations))('after %s', (_kind, revoke) => {
  it('the verifier rejects the session’s token within STATUS_LIST_TTL + 1 s and keeps accepting a live one', async () => {
    const verifier = newVerifier();
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    expect(await verdict(verifier, user.accessToken)).toBe('valid'); // caches the JWKS and the list
    expect(await verdict(verifier, bystander.accessToken)).toBe('valid');

    await revoke(user);
    h.clock.advance(TTL + 1);
    expect(await verdict(verifier, user.accessToken)).toMatch(/revoked/);
    expect(await verdict(verifier, bystander.accessToken)).toBe('valid');
  });
});

it('never rejects a new session’s token, even on a slot a logged-out session used before', async () => {
  const verifier = newVerifier();
  const old = await registerAndLogin(h);
  await revocations.logout!(old);
  expect(await verdict(verifier, old.accessToken)).toBe('valid'); // the verifier caches a list with old's bit clear …
  h.clock.advance(1);
  expect(await verdict(verifier, old.accessToken)).toBe('valid');
  h.clock.advance(TTL);
  expect(await verdict(verifier, old.accessToken)).toMatch(/revoked/); // … then one with it set
  // old's tokens have all expired, and every list showing its bit set is stale: the slot is free.
  h.clock.advance(h.config.accessTokenTtl + h.config.clockSkew + TTL + 2 - TTL);
  const fresh = await registerAndLogin(h);
  // Lowest free slot first: some logged-out session's, never one past every slot handed out so far.
  const idx = (token: string) => (decodeJwt(token).status as { status_list: { idx: number } }).status_list.idx;
  expect(idx(fresh.accessToken)).toBeLessThanOrEqual(idx(old.accessToken));
  expect(await verdict(verifier, fresh.accessToken)).toBe('valid');
});

it('rejects the tokens of a revoked key once the JWKS max-age has passed', async () => {
  const verifier = newVerifier();
  const user = await registerAndLogin(h);
  expect(await verdict(verifier, user.accessToken)).toBe('valid');
  const { kid } = decodeProtectedHeader(user.accessToken);
  await h.admin.post(`/admin/keys/${kid}/revoke`).expect(200);
  const fresh = await registerAndLogin(h); // signed by the key that took over at once
  expect(decodeProtectedHeader(fresh.accessToken).kid).not.toBe(kid);
  // Like jose's createRemoteJWKSet, the verifier refetches for an unknown kid at most every 30 s:
  // tokens of a key that starts signing at once (revoke, rotate --now) wait that long there.
  expect(await verdict(verifier, fresh.accessToken)).toMatch(/key/);
  h.clock.advance(30);
  expect(await verdict(verifier, fresh.accessToken)).toBe('valid');

  h.clock.advance(300 + 1 - 30);
  expect(await verdict(verifier, user.accessToken)).not.toBe('valid');
  expect(decodeJwt(fresh.accessToken).sub).toBe(fresh.userId);
});

it('rejects a client-credentials token once it is revoked (RFC 7009) or its client is deleted, within STATUS_LIST_TTL + 1 s', async () => {
  const verifier = newVerifier();
  const service = await createClient(h, {
    type: 'confidential',
    grant_types: ['client_credentials'],
    scopes: ['jobs:run'],
    audience: h.config.audience,
  });
  const auth = credentials(service);
  const token = async () => {
    const res = await tokenRequest(h, { grant_type: 'client_credentials' }, auth);
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const [revoked, other] = [await token(), await token()];
  expect(decodeJwt(revoked).status).toEqual({ status_list: { idx: expect.any(Number), uri: expect.any(String) } });
  expect(await verdict(verifier, revoked)).toBe('valid');

  expect((await postForm(h.http, '/oauth/revoke', { token: revoked }, auth)).status).toBe(200);
  h.clock.advance(TTL + 1);
  expect(await verdict(verifier, revoked)).toMatch(/revoked/);
  expect(await verdict(verifier, other)).toBe('valid');

  await h.admin.delete(`/admin/clients/${service.client_id}`).expect(204);
  h.clock.advance(TTL + 1);
  expect(await verdict(verifier, other)).toMatch(/revoked/);
});
