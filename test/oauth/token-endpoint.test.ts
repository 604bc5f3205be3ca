import { decodeJwt } from 'jose';
import { LIMIT_POLICY } from '../../src/limits/policy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, refresh, registerAndLogin, uniqueEmail, register } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';
import {
  type RegisteredClient,
  basic,
  createClient,
  nativeLogin,
  publicRefresh,
  tokenRequest,
  writeCounts,
} from '../support/oauth.js';

// POST /oauth/token (RFC 6749 §4.4, §6, §5.2) and POST /auth/login with a client_id.

describe('POST /oauth/token', () => {
  let h: Harness;
  let service: RegisteredClient;
  let app: RegisteredClient;
  let other: RegisteredClient;
  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT: 'false' });
    service = await createClient(h, {
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['orders:read', 'orders:write'],
      audience: 'orders-api',
    });
    app = await createClient(h, { type: 'public', grant_types: ['refresh_token'] });
    other = await createClient(h, { type: 'confidential', grant_types: ['refresh_token'] });
  });
  afterAll(() => h?.close());

  describe('client_credentials', () => {
    it('issues a token for the client itself with client_secret_basic: sub = client id, aud, scope, no sid, no refresh token', async () => {
      const res = await tokenRequest(h, { grant_type: 'client_credentials' }, service);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 600,
        scope: 'orders:read orders:write',
      });
      const claims = decodeJwt(res.body.access_token);
      expect(claims).toMatchObject({
        sub: service.client_id,
        client_id: service.client_id,
        aud: 'orders-api',
        scope: 'orders:read orders:write',
      });
      expect(claims).not.toHaveProperty('sid');
      expect(claims).not.toHaveProperty('roles');
      const row = await h.database.db.prisma.clientToken.findUnique({ where: { jti: claims.jti! } });
      expect(row).toMatchObject({ clientId: service.client_id, revokedAt: null });
    });

    it('accepts client_secret_post and narrows to the requested scope', async () => {
      const res = await tokenRequest(h, {
        grant_type: 'client_credentials',
        client_id: service.client_id,
        client_secret: service.client_secret!,
        scope: 'orders:read',
      });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('orders:read');
      expect(decodeJwt(res.body.access_token).scope).toBe('orders:read');
    });

    it('refuses a scope outside what the client is allowed: invalid_scope 400, and issues nothing', async () => {
      const before = await writeCounts(h);
      const res = await tokenRequest(h, { grant_type: 'client_credentials', scope: 'orders:read admin' }, service);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: expect.stringContaining('admin') });
      expect(await writeCounts(h)).toEqual(before);
    });

    it('is unauthorized_client for a client without the grant, and for a public client', async () => {
      const res = await tokenRequest(h, { grant_type: 'client_credentials' }, other);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
      const pub = await tokenRequest(h, { grant_type: 'client_credentials', client_id: app.client_id });
      expect(pub.status).toBe(400);
      expect(pub.body.error).toBe('unauthorized_client');
    });
  });

  describe('errors (RFC 6749 §5.2)', () => {
    it('invalid_client 401 with a Basic challenge when HTTP Basic was tried with a wrong secret', async () => {
      const res = await tokenRequest(h, { grant_type: 'client_credentials' }, { id: service.client_id, secret: 'wrong' });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(res.headers['www-authenticate']).toBe('Basic realm="latchkey"');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('invalid_client 401 without a challenge for client_secret_post, an unknown client, or a missing secret', async () => {
      for (const form of <Record<string, string>[]>[
        { grant_type: 'client_credentials', client_id: service.client_id, client_secret: 'wrong' },
        { grant_type: 'client_credentials', client_id: 'lkc_nobody', client_secret: 'x' },
        { grant_type: 'client_credentials', client_id: service.client_id },
        { grant_type: 'client_credentials' },
      ]) {
        const res = await tokenRequest(h, form);
        expect(res.status, JSON.stringify(form)).toBe(401);
        expect(res.body.error).toBe('invalid_client');
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
    });

    it('a public client that sends a secret is invalid_client', async () => {
      const res = await tokenRequest(h, {
        grant_type: 'refresh_token',
        refresh_token: 'x'.repeat(43),
        client_id: app.client_id,
        client_secret: 'anything',
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('two authentication methods at once are invalid_request', async () => {
      const res = await tokenRequest(h, { grant_type: 'client_credentials', client_secret: service.client_secret! }, service);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('a parameter sent twice is invalid_request (RFC 6749 §3.2)', async () => {
      const res = await tokenRequest(h, 'grant_type=client_credentials&scope=orders:read&scope=orders:write', service);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('scope') });
    });

    it('unsupported_grant_type for an unknown grant, invalid_request without one', async () => {
      const unknown = await tokenRequest(h, { grant_type: 'password', username: 'a', password: 'b' }, service);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('unsupported_grant_type');
      const missing = await tokenRequest(h, { scope: 'x' }, service);
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('grant_type') });
    });

    it('a JSON body is 415 unsupported_media_type; a GET is 405', async () => {
      const json = await h.http.post('/oauth/token').send({ grant_type: 'client_credentials' });
      expect(json.status).toBe(415);
      expect(json.body.error).toBe('unsupported_media_type');
      const get = await undescribed(h.http.get('/oauth/token'));
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
    });

    it('a malformed scope is invalid_scope', async () => {
      const res = await tokenRequest(h, { grant_type: 'client_credentials', scope: 'orders:read "x"' }, service);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
    });
  });

  describe('first-party native login and grant_type=refresh_token', () => {
    it('POST /auth/login with client_id returns the refresh token in the body and sets no cookie', async () => {
      const login = await nativeLogin(h, app);
      expect(login.res.headers['set-cookie']).toBeUndefined();
      expect(login.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 600,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(decodeJwt(login.accessToken)).toMatchObject({ client_id: app.client_id, sub: login.userId });
      const session = await h.database.db.prisma.session.findFirstOrThrow({ where: { userId: login.userId } });
      expect(session.clientId).toBe(app.client_id);
    });

    it('a confidential client logs in with HTTP Basic; a wrong secret is invalid_client and no session is made', async () => {
      const email = uniqueEmail('basic');
      await register(h.http, email);
      const ok = await h.http
        .post('/auth/login')
        .set('Authorization', basic(other.client_id, other.client_secret!))
        .send({ email, password: PASSWORD, client_id: other.client_id });
      expect(ok.status).toBe(200);
      expect(ok.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const before = await h.database.db.prisma.session.count();
      const bad = await h.http
        .post('/auth/login')
        .send({ email, password: PASSWORD, client_id: other.client_id, client_secret: 'nope' });
      expect(bad.status).toBe(401);
      expect(bad.body.error).toBe('invalid_client');
      expect(await h.database.db.prisma.session.count()).toBe(before);
    });

    it('a client without the refresh_token grant cannot log users in (unauthorized_client)', async () => {
      const email = uniqueEmail('nogrant');
      await register(h.http, email);
      const res = await h.http
        .post('/auth/login')
        .send({ email, password: PASSWORD, client_id: service.client_id, client_secret: service.client_secret });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });

    it('rotates through the same rules as the cookie endpoint: new token each time, the old one is reuse', async () => {
      const login = await nativeLogin(h, app);
      const first = await publicRefresh(h, app, login.refreshToken);
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 600,
        refresh_token: expect.any(String),
      });
      expect(first.body.refresh_token).not.toBe(login.refreshToken);
      expect(decodeJwt(first.body.access_token)).toMatchObject({ client_id: app.client_id, sub: login.userId });
      // Past the grace window the old token is reuse: 400 invalid_grant here, and the session dies.
      h.clock.advance(h.config.refreshReuseInterval + 1);
      const reuse = await publicRefresh(h, app, login.refreshToken);
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      const newest = await publicRefresh(h, app, first.body.refresh_token);
      expect(newest.status).toBe(400);
      const session = await h.database.db.prisma.session.findFirstOrThrow({ where: { userId: login.userId } });
      expect(session.revokedReason).toBe('reuse_detected');
    });

    it('a token presented by another client is invalid_grant, is not reuse, and changes nothing for its owner', async () => {
      const login = await nativeLogin(h, app);
      const before = await writeCounts(h);
      const stranger = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: login.refreshToken }, other);
      expect(stranger.status).toBe(400);
      expect(stranger.body.error).toBe('invalid_grant');
      expect(await writeCounts(h)).toEqual(before);
      // The owner's token still rotates normally.
      const owner = await publicRefresh(h, app, login.refreshToken);
      expect(owner.status).toBe(200);
    });

    it('a cookie-flow token is invalid_grant at /oauth/token, a native token is invalid_grant at /auth/refresh; neither is reuse', async () => {
      const cookieUser = await registerAndLogin(h);
      const native = await nativeLogin(h, app);
      const before = await writeCounts(h);
      const atToken = await publicRefresh(h, app, cookieUser.refreshToken);
      expect(atToken.status).toBe(400);
      expect(atToken.body.error).toBe('invalid_grant');
      const atCookie = await refresh(h, native.refreshToken);
      expect(atCookie.status).toBe(401);
      expect(atCookie.body.error).toBe('invalid_grant');
      expect(await writeCounts(h)).toEqual(before);
      expect((await refresh(h, cookieUser.refreshToken)).status).toBe(200);
      expect((await publicRefresh(h, app, native.refreshToken)).status).toBe(200);
    });

    it('a missing refresh_token is invalid_request; an unknown one is invalid_grant 400', async () => {
      const missing = await tokenRequest(h, { grant_type: 'refresh_token', client_id: app.client_id });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
      const unknown = await publicRefresh(h, app, 'A'.repeat(43));
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('invalid_grant');
    });
  });

  describe('client secrets', () => {
    it('rotation with a grace period keeps the previous secret valid until it ends; without one it stops at once', async () => {
      const c = await createClient(h, { type: 'confidential', grant_types: ['client_credentials'] });
      const cc = (secret: string) => tokenRequest(h, { grant_type: 'client_credentials' }, { id: c.client_id, secret });
      const rotated = await h.admin.post(`/admin/clients/${c.client_id}/secret`).send({ grace: 60 });
      expect(rotated.status).toBe(201);
      expect(rotated.body).toEqual({ client_id: c.client_id, client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      expect((await cc(c.client_secret!)).status).toBe(200);
      expect((await cc(rotated.body.client_secret)).status).toBe(200);
      h.clock.advance(61);
      expect((await cc(c.client_secret!)).status).toBe(401);
      expect((await cc(rotated.body.client_secret)).status).toBe(200);
      const again = await h.admin.post(`/admin/clients/${c.client_id}/secret`).send({});
      expect((await cc(rotated.body.client_secret)).status).toBe(401);
      expect((await cc(again.body.client_secret)).status).toBe(200);
    });

    it('stores only a SHA-256 hash of the secret, never the secret', async () => {
      const c = await createClient(h, { type: 'confidential' });
      const row = await h.database.db.prisma.client.findUniqueOrThrow({ where: { id: c.client_id } });
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(c.client_secret);
      expect(Buffer.from(c.client_secret!, 'base64url')).toHaveLength(32);
    });
  });
});

describe('client authentication failures count toward brute-force limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('locks out repeated failures of one client from one IP with 429 + Retry-After until the window ends, and records each failure', async () => {
    const target = await createClient(h, { type: 'confidential', grant_types: ['client_credentials'] });
    // The login brute-force policy, counted per (client, IP) and per client (src/limits/attempt-guard.ts).
    const { points, baseLockSeconds } = LIMIT_POLICY.pairFailures;
    for (let i = 0; i < points; i++) {
      const res = await tokenRequest(h, { grant_type: 'client_credentials' }, { id: target.client_id, secret: `guess-${i}` });
      expect(res.status).toBe(401);
    }
    const locked = await tokenRequest(h, { grant_type: 'client_credentials' }, target);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_requests');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const events = await h.services.store.events.list({ type: 'client_auth_failed' });
    expect(events).toHaveLength(points);
    expect(events[0]!.details).toMatchObject({ reason: 'wrong_secret', clientId: target.client_id });
    h.clock.advance(baseLockSeconds + 1);
    const later = await tokenRequest(h, { grant_type: 'client_credentials' }, target);
    expect(later.status).toBe(200);
  });
});
