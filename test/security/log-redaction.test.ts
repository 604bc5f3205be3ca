import type { JWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { refresh, refreshCookie, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// "Secrets never travel": no password, token, token hash or private key in any log line,
// whatever the request did (OWASP Logging Cheat Sheet, "Data to exclude").

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

it('writes no password, refresh token, access token or private key material to the logs', async () => {
  const email = uniqueEmail('redaction');
  const password = 'Redaction-Canary-Passw0rd!';
  await h.http.post('/auth/register').send({ email, password }).expect(201);
  await h.http.post('/auth/register').send({ email, password }).expect(409);
  await h.http
    .post('/auth/login')
    .send({ email, password: `${password}x` })
    .expect(401);
  const login = await h.http.post('/auth/login').send({ email, password }).expect(200);
  const accessToken = login.body.access_token as string;
  const first = refreshCookie(login, h.config.refreshCookieName)!.value;

  const rotated = await refresh(h, first).expect(200);
  const second = refreshCookie(rotated, h.config.refreshCookieName)!.value;
  await h.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
  h.clock.advance(h.config.refreshReuseInterval + 1);
  await refresh(h, first).expect(401); // reuse: the family is revoked
  await refresh(h, second).expect(401);
  await h.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(401);
  await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${second}`).expect(204);
  await h.http.get('/auth/me?access_token=' + accessToken).expect(400);

  const row = await h.database.db.prisma.signingKey.findFirstOrThrow({ where: { state: 'active' } });
  const privateJwk = JSON.parse(h.services.sealer.open('signing-key', row.privateJwk, row.kid)) as JWK;
  expect(privateJwk.d).toEqual(expect.any(String));

  const text = h.logs.text;
  expect(text).toContain('refresh_reuse_detected'); // the logs did record the story
  const secrets = {
    password,
    first,
    second,
    firstHash: hashRefreshToken(first),
    secondHash: hashRefreshToken(second),
    accessToken,
    accessTokenSignature: accessToken.split('.')[2]!,
    privateKeyD: privateJwk.d!,
    sealedPrivateKey: row.privateJwk,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    expect(text.includes(secret), `${name} appears in the logs`).toBe(false);
  }
});
