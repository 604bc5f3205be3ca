import { SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createResourceServer } from '../../examples/resource-server/app.js';
import { grantRole, refresh, registerAndLogin } from '../support/auth.js';
import { type ListeningHarness, startListeningHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// examples/resource-server works as its README says: against a listening Latchkey, including
// across a key rotation. Latchkey listens first so ISSUER is its real URL: the JWKS and each
// token's status list are fetched from there.

let h: ListeningHarness;
let api: Listening;
let apiUrl: string;

beforeAll(async () => {
  h = await startListeningHarness({ KEY_PREPUBLISH: '600', KEY_ROTATION_INTERVAL: '3600', JWKS_MAX_AGE: '300' });
  api = await serve(createResourceServer({ issuer: h.config.issuer, audience: h.config.audience }));
  apiUrl = api.origin;
});
afterAll(() => closeAll(api, h));

const get = (path: string, token?: string) =>
  fetch(`${apiUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const profile = (token?: string) => get('/api/profile', token);

it('serves the protected route to a Latchkey access token, before and after a rotation', async () => {
  await h.admin.post('/admin/keys/rotate').expect(201); // the next key, pre-published
  const user = await registerAndLogin(h);
  const res = await profile(user.accessToken); // the API fetches and caches the JWKS now
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ userId: user.userId, sessionId: expect.any(String) });

  h.clock.advance(600);
  await h.services.keyAdmin.tick(); // the pre-published key signs from now on
  const next = await registerAndLogin(h);
  expect(next.accessToken.split('.')[0]).not.toBe(user.accessToken.split('.')[0]);
  expect((await profile(next.accessToken)).status).toBe(200);
  expect((await profile(user.accessToken)).status).toBe(200);
});

it('refuses a missing, forged or wrong-audience token with 401 and a Bearer challenge', async () => {
  const missing = await profile();
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toBe('Bearer');

  const user = await registerAndLogin(h);
  const [header, , signature] = user.accessToken.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'someone-else' })).toString('base64url')}.${signature}`;
  const res = await profile(forged);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);

  // Genuinely signed by Latchkey's active key, but for another audience.
  const { kid, alg, key } = h.services.keys.signingKey();
  const billing = await new SignJWT({ ...decodeJwt(user.accessToken), aud: 'billing' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .sign(key);
  expect((await profile(billing)).status).toBe(401);
});

it('enforces a permission: 403 insufficient_scope without orders:read, 200 with it', async () => {
  const user = await registerAndLogin(h); // no roles, so no scope claim
  const res = await get('/api/orders', user.accessToken);
  expect(res.status).toBe(403);
  expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks the scope orders:read' });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", .*scope="orders:read"$/);

  // Give the user a role that grants orders:read: the next refresh's token carries the scope.
  await grantRole(h, user.userId, 'clerk', ['orders:read']);
  const refreshed = await refresh(h, user.refreshToken).expect(200);
  const reader = refreshed.body.access_token as string;
  expect(decodeJwt(reader)).toMatchObject({ scope: 'orders:read', roles: ['clerk'] });
  const ok = await get('/api/orders', reader);
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ orders: [], readBy: user.userId });
});
