import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochSeconds } from '../../src/clock.js';
import { PASSWORD, refreshCookie, register, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { argon2Params, bearer } from './helpers.js';

// POST /auth/login (CONTRACT.md "Public HTTP API", "Access tokens", "Refresh tokens and sessions").

const login = (h: Harness, email: string, password = PASSWORD) => h.http.post('/auth/login').send({ email, password });

describe('POST /auth/login (COOKIE_SECURE at its default, true)', () => {
  let h: Harness;
  beforeAll(async () => {
    // An empty value is "unset": the real default applies, not the harness's COOKIE_SECURE=false.
    h = await startHarness({ COOKIE_SECURE: '' });
  });
  afterAll(() => h?.close());

  it('answers the token response with no-store caching headers (RFC 6749 §5.1)', async () => {
    const user = await register(h.http);
    const res = await login(h, user.email);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  });

  it('sets the refresh cookie __Secure-lk_rt with exactly the contract attributes', async () => {
    const user = await register(h.http);
    const res = await login(h, user.email).expect(200);
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(1);
    const cookie = refreshCookie(res, '__Secure-lk_rt');
    expect(cookie).toBeDefined();
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(cookie!.attributes).toMatchObject({
      httponly: true,
      secure: true,
      samesite: 'Strict',
      path: '/auth',
      // min(absolute expiry left = 30 d, REFRESH_IDLE_TTL = 14 d)
      'max-age': '1209600',
    });
    expect(cookie!.attributes.domain).toBeUndefined(); // host-only
  });

  it('issues an RFC 9068 access token: header {alg ES256, kid, typ at+jwt} and every required claim', async () => {
    const user = await register(h.http);
    const res = await login(h, user.email).expect(200);
    const token = res.body.access_token as string;
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'ES256', kid: h.services.keys.signingKey().kid, typ: 'at+jwt' });
    const claims = decodeJwt(token);
    const now = epochSeconds(h.clock.now());
    expect(claims).toEqual({
      iss: 'http://localhost:3000',
      sub: user.id,
      aud: 'api',
      iat: now,
      exp: now + 600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id: 'latchkey',
      sid: expect.any(String),
      status: {
        status_list: { idx: expect.any(Number), uri: expect.stringMatching(/^http:\/\/localhost:3000\/statuslists\/\d+$/) },
      },
    });
    const session = await h.database.db.prisma.session.findUniqueOrThrow({ where: { id: claims.sid as string } });
    expect(session.userId).toBe(user.id);
    expect(session.revokedAt).toBeNull();
    await h.http.get('/auth/me').set(bearer(token)).expect(200);
  });

  it('starts a new session (new sid, new jti) on every login', async () => {
    const user = await register(h.http);
    const a = decodeJwt((await login(h, user.email).expect(200)).body.access_token);
    const b = decodeJwt((await login(h, user.email).expect(200)).body.access_token);
    expect(a.sid).not.toBe(b.sid);
    expect(a.jti).not.toBe(b.jti);
    expect(await h.database.db.prisma.session.count({ where: { userId: user.id } })).toBe(2);
  });

  it('accepts the email in any case and with surrounding spaces', async () => {
    const user = await register(h.http);
    await login(h, `  ${user.email.toUpperCase()} `).expect(200);
  });

  it('answers 401 invalid_credentials with the same body for an unknown email and a wrong password, and no cookie', async () => {
    const user = await register(h.http);
    const wrong = await login(h, user.email, 'not the password');
    const unknown = await login(h, uniqueEmail('nobody'));
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_credentials', error_description: expect.any(String) });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(unknown.body).toEqual(wrong.body);
    expect(await h.database.db.prisma.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it('answers 400 invalid_request naming a missing or wrongly typed field', async () => {
    const missing = await h.http.post('/auth/login').send({ email: uniqueEmail() });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/^password\b/) });
    const typed = await h.http.post('/auth/login').send({ email: true, password: PASSWORD });
    expect(typed.status).toBe(400);
    expect(typed.body.error_description).toMatch(/^email\b/);
  });
});

describe('POST /auth/login with COOKIE_SECURE=false', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ COOKIE_SECURE: 'false', REFRESH_TOKEN_TTL: '7200', REFRESH_IDLE_TTL: '7200' });
  });
  afterAll(() => h?.close());

  it('names the cookie lk_rt, without Secure, and Max-Age follows the configured TTLs', async () => {
    const user = await register(h.http);
    const res = await login(h, user.email).expect(200);
    expect(refreshCookie(res, '__Secure-lk_rt')).toBeUndefined();
    const cookie = refreshCookie(res, 'lk_rt');
    expect(cookie?.attributes).toMatchObject({ httponly: true, samesite: 'Strict', path: '/auth', 'max-age': '7200' });
    expect(cookie?.attributes.secure).toBeUndefined();
  });
});

describe('POST /auth/login with REFRESH_COOKIE_NAME set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_COOKIE_NAME: 'app_refresh' });
  });
  afterAll(() => h?.close());

  it('uses that cookie name for login, refresh and logout, and ignores the default name', async () => {
    const user = await register(h.http);
    const res = await login(h, user.email).expect(200);
    const cookie = refreshCookie(res, 'app_refresh');
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const wrongName = await h.http.post('/auth/refresh').set('Cookie', `lk_rt=${cookie!.value}`);
    expect(wrongName.status).toBe(401);
    const rotated = await h.http.post('/auth/refresh').set('Cookie', `app_refresh=${cookie!.value}`).expect(200);
    expect(refreshCookie(rotated, 'app_refresh')?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('password rehash on login when the argon2 parameters rise', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ARGON2_TIME_COST: '2' });
  });
  afterAll(() => h?.close());

  const storedHash = async (id: string) => (await h.database.db.prisma.user.findUniqueOrThrow({ where: { id } })).passwordHash;

  it('upgrades the stored hash to the new parameters, and both old and new instances still log in', async () => {
    const user = await register(h.http);
    const original = await storedHash(user.id);
    expect(argon2Params(original).t).toBe(2);

    const stronger = await h.buildInstance({ ARGON2_TIME_COST: '3' });
    await stronger.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    const upgraded = await storedHash(user.id);
    expect(upgraded).not.toBe(original);
    expect(argon2Params(upgraded)).toMatchObject({ t: 3, m: argon2Params(original).m });

    // Logging in again at the same parameters does not rehash.
    await stronger.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(await storedHash(user.id)).toBe(upgraded);

    // An instance still on the old, weaker parameters (a rolling deploy) verifies the stronger
    // hash and must not downgrade it: hashes are only ever upgraded.
    await login(h, user.email).expect(200);
    expect(await storedHash(user.id)).toBe(upgraded);

    await stronger.http.post('/auth/login').send({ email: user.email, password: 'wrong password here' }).expect(401);
  });

  it('also upgrades when only the memory cost rises', async () => {
    const user = await register(h.http);
    const roomier = await h.buildInstance({ ARGON2_MEMORY_KIB: '20480' });
    await roomier.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(argon2Params(await storedHash(user.id))).toMatchObject({ m: 20480, t: 2 });
  });
});

describe.each(['EdDSA', 'RS256', 'PS256'] as const)('SIGNING_ALG=%s', (alg) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ SIGNING_ALG: alg });
  });
  afterAll(() => h?.close());

  it(`signs access tokens with ${alg}; they verify against the published JWKS and work on /auth/me`, async () => {
    const user = await register(h.http);
    const res = await login(h, user.email).expect(200);
    const token = res.body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'at+jwt' });

    const jwks = (await h.http.get('/.well-known/jwks.json').expect(200)).body as { keys: Record<string, string>[] };
    const published = jwks.keys.find((k) => k.kid === decodeProtectedHeader(token).kid);
    expect(published).toMatchObject({ alg, use: 'sig', kty: alg === 'EdDSA' ? 'OKP' : 'RSA' });
    if (alg === 'EdDSA') expect(published!.crv).toBe('Ed25519');
    // RSA keys of at least 2048 bits (RFC 8725 §3.5).
    else expect(Buffer.from(published!.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);

    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: [alg],
      typ: 'at+jwt',
      issuer: h.config.issuer,
      audience: 'api',
      currentDate: h.clock.now(),
    });
    expect(payload.sub).toBe(user.id);
    await h.http.get('/auth/me').set(bearer(token)).expect(200);
  });
});
