import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refresh, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import {
  type RegisteredClient,
  createClient,
  credentials,
  nativeLogin,
  postForm,
  publicRefresh,
  tokenRequest,
} from '../support/oauth.js';

// POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).

describe('revocation and introspection', () => {
  let h: Harness;
  let rs: RegisteredClient; // a resource server for audience "api" that introspects
  let app: RegisteredClient; // a public native app
  let service: RegisteredClient; // a client-credentials service
  const rsAuth = () => credentials(rs);
  const introspect = (token: string, auth = rsAuth()) => postForm(h.http, '/oauth/introspect', { token }, auth);
  const cc = async () => (await tokenRequest(h, { grant_type: 'client_credentials' }, service)).body.access_token as string;

  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT: 'false' });
    rs = await createClient(h, { type: 'confidential', audience: 'api' });
    app = await createClient(h, { type: 'public', grant_types: ['refresh_token'] });
    service = await createClient(h, {
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['jobs:run'],
      audience: 'jobs',
    });
  });
  afterAll(() => h?.close());

  describe('introspection', () => {
    it('describes a live user access token to a client of its audience', async () => {
      const user = await registerAndLogin(h);
      const res = await introspect(user.accessToken);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const claims = decodeJwt(user.accessToken);
      expect(res.body).toEqual({
        active: true,
        token_type: 'access_token',
        client_id: 'latchkey',
        sub: user.userId,
        aud: 'api',
        iss: h.config.issuer,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        sid: claims.sid,
        username: user.email,
      });
    });

    it('answers active:false once the session is revoked, for garbage, for an expired token, and for another audience', async () => {
      const user = await registerAndLogin(h);
      const serviceToken = await cc();
      expect((await introspect(serviceToken)).body).toEqual({ active: false }); // aud "jobs": not rs's to see
      expect((await introspect('not-a-token')).body).toEqual({ active: false });
      await h.http.post('/auth/logout-all').set('Authorization', `Bearer ${user.accessToken}`).expect(204);
      expect((await introspect(user.accessToken)).body).toEqual({ active: false });
      const fresh = await registerAndLogin(h);
      h.clock.advance(h.config.accessTokenTtl + h.config.clockSkew + 1);
      expect((await introspect(fresh.accessToken)).body).toEqual({ active: false });
    });

    it('describes a client-credentials token to its own client, and active:false once the client is deleted', async () => {
      const c = await createClient(h, { type: 'confidential', grant_types: ['client_credentials'], scopes: ['a', 'b'] });
      const auth = credentials(c);
      const token = (await tokenRequest(h, { grant_type: 'client_credentials', scope: 'a' }, auth)).body.access_token;
      const res = await introspect(token, auth);
      expect(res.body).toMatchObject({
        active: true,
        token_type: 'access_token',
        client_id: c.client_id,
        sub: c.client_id,
        scope: 'a',
      });
      expect(res.body).not.toHaveProperty('sid');
      // rs sees it too: its audience is the default "api".
      expect((await introspect(token)).body.active).toBe(true);
      await h.admin.delete(`/admin/clients/${c.client_id}`).expect(204);
      expect((await introspect(token)).body).toEqual({ active: false });
    });

    it('describes a refresh token to the client it was issued to only, and never spends it', async () => {
      const confidentialApp = await createClient(h, { type: 'confidential', grant_types: ['refresh_token'] });
      const login = await nativeLogin(h, confidentialApp);
      const own = await introspect(login.refreshToken, credentials(confidentialApp));
      expect(own.body).toMatchObject({
        active: true,
        token_type: 'refresh_token',
        client_id: confidentialApp.client_id,
        sub: login.userId,
        username: login.email,
      });
      expect((await introspect(login.refreshToken)).body).toEqual({ active: false });
      const tokens = await h.database.db.prisma.refreshToken.findMany({ where: { session: { userId: login.userId } } });
      expect(tokens.every((t) => t.usedAt === null)).toBe(true);
      // Still rotates afterwards: introspection did not use it.
      const rotated = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: login.refreshToken }, confidentialApp);
      expect(rotated.status).toBe(200);
    });

    it('answers active:false for the access and refresh tokens of a disabled user, even with a session left live', async () => {
      const confidentialApp = await createClient(h, { type: 'confidential', grant_types: ['refresh_token'] });
      const auth = credentials(confidentialApp);
      const login = await nativeLogin(h, confidentialApp);
      expect((await introspect(login.refreshToken, auth)).body.active).toBe(true);
      // The account is disabled without its sessions being revoked (the check must not rely on them).
      await h.database.db.prisma.user.update({ where: { id: login.userId }, data: { disabledAt: h.clock.now() } });
      expect((await introspect(login.refreshToken, auth)).body).toEqual({ active: false });
      expect((await introspect(login.accessToken)).body).toEqual({ active: false });
      // Through the admin API as an operator does it: still nothing active.
      await h.database.db.prisma.user.update({ where: { id: login.userId }, data: { disabledAt: null } });
      await h.admin.post(`/admin/users/${login.userId}/disable`).expect(200);
      expect((await introspect(login.refreshToken, auth)).body).toEqual({ active: false });
      expect((await introspect(login.accessToken)).body).toEqual({ active: false });
    });

    it('needs a confidential client: a public client is invalid_client, a missing token invalid_request', async () => {
      const pub = await postForm(h.http, '/oauth/introspect', { token: 'x', client_id: app.client_id });
      expect(pub.status).toBe(401);
      expect(pub.body.error).toBe('invalid_client');
      const none = await postForm(h.http, '/oauth/introspect', {}, rsAuth());
      expect(none.status).toBe(400);
      expect(none.body.error).toBe('invalid_request');
    });

    it('a revoked signing key makes its tokens inactive', async () => {
      const user = await registerAndLogin(h);
      const { kid } = h.services.keys.signingKey();
      await h.admin.post(`/admin/keys/${kid}/revoke`).expect(200);
      expect((await introspect(user.accessToken)).body).toEqual({ active: false });
    });
  });

  describe('revocation', () => {
    it('a public client revokes its own refresh token: 200 empty, the session ends', async () => {
      const login = await nativeLogin(h, app);
      const res = await postForm(h.http, '/oauth/revoke', {
        token: login.refreshToken,
        token_type_hint: 'refresh_token',
        client_id: app.client_id,
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      const session = await h.database.db.prisma.session.findFirstOrThrow({ where: { userId: login.userId } });
      expect(session.revokedReason).toBe('revoked_by_client');
      const after = await publicRefresh(h, app, login.refreshToken);
      expect(after.status).toBe(400);
      expect((await h.services.store.events.list({ type: 'token_revoked' })).some((e) => e.sessionId === session.id)).toBe(true);
    });

    it('an access token of the client ends its session; a client-credentials token is marked revoked', async () => {
      const login = await nativeLogin(h, app);
      await postForm(h.http, '/oauth/revoke', { token: login.accessToken, client_id: app.client_id }).expect(200);
      expect((await introspect(login.accessToken)).body).toEqual({ active: false });
      const token = await cc();
      const serviceAuth = credentials(service);
      expect((await introspect(token, serviceAuth)).body.active).toBe(true);
      await postForm(h.http, '/oauth/revoke', { token, token_type_hint: 'access_token' }, serviceAuth).expect(200);
      expect((await introspect(token, serviceAuth)).body).toEqual({ active: false });
      const row = await h.database.db.prisma.clientToken.findUniqueOrThrow({ where: { jti: decodeJwt(token).jti! } });
      expect(row.revokedAt).not.toBeNull();
    });

    it("does not revoke another client's token, nor a cookie-flow token, and answers 200 all the same", async () => {
      const login = await nativeLogin(h, app);
      const cookieUser = await registerAndLogin(h);
      for (const token of [login.refreshToken, login.accessToken, cookieUser.refreshToken, cookieUser.accessToken, 'unknown']) {
        const res = await postForm(h.http, '/oauth/revoke', { token }, rsAuth());
        expect(res.status).toBe(200);
      }
      expect(
        await h.database.db.prisma.session.count({
          where: { revokedAt: { not: null }, userId: { in: [login.userId, cookieUser.userId] } },
        }),
      ).toBe(0);
      expect((await refresh(h, cookieUser.refreshToken)).status).toBe(200);
    });

    it('needs client authentication and a token parameter', async () => {
      expect((await postForm(h.http, '/oauth/revoke', { token: 'x' })).status).toBe(401);
      const missing = await postForm(h.http, '/oauth/revoke', { client_id: app.client_id });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });
  });

  describe('client deletion', () => {
    it('revokes every session issued to the client in one go, with its event; 404 once gone', async () => {
      const doomed = await createClient(h, { type: 'public', grant_types: ['refresh_token'] });
      const a = await nativeLogin(h, doomed);
      const b = await nativeLogin(h, doomed);
      const res = await h.admin.delete(`/admin/clients/${doomed.client_id}`);
      expect(res.status).toBe(204);
      const sessions = await h.database.db.prisma.session.findMany({ where: { userId: { in: [a.userId, b.userId] } } });
      expect(sessions.map((s) => s.revokedReason)).toEqual(['client_deleted', 'client_deleted']);
      for (const login of [a, b]) {
        const r = await publicRefresh(h, doomed, login.refreshToken);
        expect(r.status).toBe(401); // the client itself is gone
        expect((await introspect(login.accessToken)).body).toEqual({ active: false });
      }
      const events = await h.services.store.events.list({ type: 'admin_client_deleted' });
      expect(events.at(-1)!.details).toMatchObject({ clientId: doomed.client_id });
      expect((await h.admin.delete(`/admin/clients/${doomed.client_id}`)).status).toBe(404);
      expect((await h.admin.get(`/admin/clients/${doomed.client_id}`)).status).toBe(404);
    });
  });
});

describe('admin API for clients', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('creates, lists and shows clients, never with a secret or its hash; each change is an event', async () => {
    const created = await h.admin
      .post('/admin/clients')
      .send({ name: 'billing', type: 'confidential', grant_types: ['client_credentials'], scopes: ['invoices:read'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      client_id: expect.stringMatching(/^lkc_[A-Za-z0-9_-]{22}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      name: 'billing',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['invoices:read'],
      audience: 'api',
      createdAt: h.clock.now().toISOString(),
    });
    const pub = await h.admin.post('/admin/clients').send({ name: 'cli', type: 'public', grant_types: ['refresh_token'] });
    expect(pub.body).not.toHaveProperty('client_secret');
    const list = await h.admin.get('/admin/clients');
    expect(list.status).toBe(200);
    expect(list.body.clients.map((c: { client_id: string }) => c.client_id)).toEqual([
      created.body.client_id,
      pub.body.client_id,
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.client_secret);
    expect(JSON.stringify(list.body)).not.toMatch(/secret_?hash/i);
    const shown = await h.admin.get(`/admin/clients/${created.body.client_id}`);
    expect(shown.body).toEqual({ ...created.body, client_secret: undefined });
    const events = await h.services.store.events.list({ type: 'admin_client_created' });
    expect(events).toHaveLength(2);
  });

  it('refuses bad registrations with invalid_request naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'x', type: 'weird' }, 'type'],
      [{ name: 'x', type: 'public', grant_types: ['client_credentials'] }, 'grant_types'],
      [{ name: 'x', type: 'confidential', grant_types: ['password'] }, 'grant_types'],
      [{ name: 'x', type: 'confidential', scopes: ['has space'] }, 'scopes'],
      [{ name: '', type: 'confidential' }, 'name'],
      [{ name: 'x', type: 'confidential', extra: 1 }, 'extra'],
    ] as const) {
      const res = await h.admin.post('/admin/clients').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toContain(field);
    }
  });

  it('rotating the secret of a public client is 400, of an unknown client 404', async () => {
    const pub = await h.admin.post('/admin/clients').send({ name: 'cli', type: 'public' });
    expect((await h.admin.post(`/admin/clients/${pub.body.client_id}/secret`).send({})).status).toBe(400);
    expect((await h.admin.post('/admin/clients/lkc_nope/secret').send({})).status).toBe(404);
  });
});
