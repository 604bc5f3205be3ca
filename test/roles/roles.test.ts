import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, refresh, refreshCookie, register, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { createClient, publicRefresh, tokenRequest } from '../support/oauth.js';

// Roles and permissions in access tokens (CONTRACT Part 2 "Scopes, roles and permissions";
// RFC 9068 §2.2.3, §2.2.3.1; RFC 6749 §3.3, §6).

describe('roles and permissions in access tokens', () => {
  let h: Harness;
  const setRole = (name: string, permissions: string[], description?: string) =>
    h.admin.put(`/admin/roles/${name}`).send({ permissions, ...(description && { description }) });
  const assign = (userId: string, roles: string[]) => h.admin.put(`/admin/users/${userId}/roles`).send({ roles });
  const claimsOf = (token: string) => decodeJwt(token);
  const loginWith = async (clientId: string, email: string, extra: Record<string, string> = {}) => {
    const res = await h.http.post('/auth/login').send({ email, password: PASSWORD, client_id: clientId, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { body: res.body, accessToken: res.body.access_token as string, refreshToken: res.body.refresh_token as string };
  };

  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT: 'false' });
    expect((await setRole('reader', ['orders:read', 'invoices:read'], 'reads things')).status).toBe(201);
    expect((await setRole('writer', ['orders:write', 'orders:read'])).status).toBe(201);
  });
  afterAll(() => h?.close());

  it('a user without roles gets neither a roles nor a scope claim', async () => {
    const user = await registerAndLogin(h);
    const claims = claimsOf(user.accessToken);
    expect(claims).not.toHaveProperty('roles');
    expect(claims).not.toHaveProperty('scope');
  });

  it('roles reach tokens at the next refresh, not the tokens already issued; /auth/me lists them', async () => {
    const user = await registerAndLogin(h);
    const res = await assign(user.userId, ['writer', 'reader']);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.userId,
      roles: ['reader', 'writer'],
      permissions: ['invoices:read', 'orders:read', 'orders:write'],
    });
    expect(claimsOf(user.accessToken)).not.toHaveProperty('roles'); // an old token is never rewritten
    const refreshed = await refresh(h, user.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.body.access_token)).toMatchObject({
      roles: ['reader', 'writer'],
      scope: 'invoices:read orders:read orders:write',
    });
    const me = await h.http.get('/auth/me').set('Authorization', `Bearer ${refreshed.body.access_token}`);
    expect(me.body).toMatchObject({ roles: ['reader', 'writer'], permissions: ['invoices:read', 'orders:read', 'orders:write'] });
    // A role's change, and its deletion, also arrive at the next refresh.
    await setRole('reader', ['invoices:read']);
    const cookie = refreshCookie(refreshed, h.config.refreshCookieName)!.value;
    const afterChange = await refresh(h, cookie);
    expect(claimsOf(afterChange.body.access_token).scope).toBe('invoices:read orders:read orders:write');
    expect((await h.admin.delete('/admin/roles/writer')).status).toBe(204);
    const afterDelete = await refresh(h, refreshCookie(afterChange, h.config.refreshCookieName)!.value);
    expect(claimsOf(afterDelete.body.access_token)).toMatchObject({ roles: ['reader'], scope: 'invoices:read' });
    await setRole('writer', ['orders:write', 'orders:read']);
    await setRole('reader', ['orders:read', 'invoices:read'], 'reads things');
  });

  it('narrows the scope to the one asked for at login, and a refresh may narrow further but never widen', async () => {
    const app = await createClient(h, {
      type: 'public',
      grant_types: ['refresh_token'],
      scopes: ['orders:read', 'orders:write', 'invoices:read'],
    });
    const email = uniqueEmail('narrow');
    const user = await register(h.http, email);
    await assign(user.id, ['reader', 'writer']);
    const login = await loginWith(app.client_id, email, { scope: 'orders:read orders:write' });
    expect(login.body.scope).toBe('orders:read orders:write');
    expect(claimsOf(login.accessToken)).toMatchObject({ scope: 'orders:read orders:write', roles: ['reader', 'writer'] });
    const narrower = await publicRefresh(h, app, login.refreshToken, { scope: 'orders:read' });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('orders:read');
    // RFC 6749 §6: without scope, a refresh gets what the login was granted, not the narrower one.
    h.clock.advance(h.config.refreshReuseInterval + 1);
    const back = await publicRefresh(h, app, narrower.body.refresh_token);
    expect(back.body.scope).toBe('orders:read orders:write');
    const wider = await publicRefresh(h, app, back.body.refresh_token, { scope: 'orders:read invoices:read' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    // Refused before any write: the token is still unused and rotates.
    const still = await publicRefresh(h, app, back.body.refresh_token);
    expect(still.status).toBe(200);
  });

  it("never grants more than a registered client's scopes", async () => {
    const app = await createClient(h, { type: 'public', grant_types: ['refresh_token'], scopes: ['orders:read'] });
    const email = uniqueEmail('ceiling');
    const user = await register(h.http, email);
    await assign(user.id, ['reader', 'writer']);
    const login = await loginWith(app.client_id, email);
    expect(claimsOf(login.accessToken).scope).toBe('orders:read');
    const above = await h.http
      .post('/auth/login')
      .send({ email, password: PASSWORD, client_id: app.client_id, scope: 'orders:write' });
    expect(above.status).toBe(400);
    expect(above.body.error).toBe('invalid_scope');
  });

  it('a first-party login may narrow with scope too', async () => {
    const email = uniqueEmail('fp');
    const user = await register(h.http, email);
    await assign(user.id, ['reader']);
    const res = await h.http.post('/auth/login').send({ email, password: PASSWORD, scope: 'invoices:read' });
    expect(res.status).toBe(200);
    expect(refreshCookie(res, h.config.refreshCookieName)).toBeDefined();
    expect(claimsOf(res.body.access_token)).toMatchObject({ roles: ['reader'], scope: 'invoices:read' });
  });

  it('an unknown role in an assignment is 400 naming it, and nothing changes', async () => {
    const user = await registerAndLogin(h);
    await assign(user.userId, ['reader']);
    const res = await assign(user.userId, ['writer', 'no-such-role']);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('no-such-role') });
    const rows = await h.database.db.prisma.userRole.findMany({ where: { userId: user.userId } });
    expect(rows.map((r) => r.roleName)).toEqual(['reader']);
    expect((await assign('00000000-0000-4000-8000-000000000000', ['reader'])).status).toBe(404);
  });

  it('refuses (400, saying why) a role or an assignment that would make an access token exceed 4 KiB', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `perm:${i}:${'x'.repeat(100)}`);
    const big = await setRole('huge', many);
    expect(big.status).toBe(400);
    expect(big.body.error).toBe('invalid_request');
    expect(big.body.error_description).toMatch(/4096-byte limit/);
    expect((await h.admin.get('/admin/roles')).body.roles.map((r: { name: string }) => r.name)).not.toContain('huge');
    // Each half fits alone; together on one user they would not.
    expect((await setRole('half-a', many.slice(0, 15))).status).toBe(201);
    expect((await setRole('half-b', many.slice(15))).status).toBe(201);
    const user = await registerAndLogin(h);
    expect((await assign(user.userId, ['half-a'])).status).toBe(200);
    const both = await assign(user.userId, ['half-a', 'half-b']);
    expect(both.status).toBe(400);
    expect(both.body.error_description).toMatch(/4096-byte limit/);
    // Growing a role some user holds alongside another is refused for that user's sake.
    await assign(user.userId, ['half-a', 'reader']);
    const grow = await setRole('reader', [...many.slice(15), 'orders:read']);
    expect(grow.status).toBe(400);
    // The largest token that passes the check stays under 4 KiB.
    const refreshed = await refresh(h, user.refreshToken);
    expect(Buffer.byteLength(refreshed.body.access_token)).toBeLessThanOrEqual(4096);
    expect(claimsOf(refreshed.body.access_token).roles).toEqual(['half-a', 'reader']);
  });

  it('role and permission names cannot set or replace a registered claim', async () => {
    // Names that are claim names are just values of `roles` and `scope`.
    expect((await setRole('sub', ['iss', 'exp', 'aud'])).status).toBe(201);
    const user = await registerAndLogin(h);
    await assign(user.userId, ['sub']);
    const token = (await refresh(h, user.refreshToken)).body.access_token;
    const claims = claimsOf(token);
    expect(claims).toMatchObject({ iss: h.config.issuer, sub: user.userId, aud: 'api', roles: ['sub'], scope: 'aud exp iss' });
    expect(typeof claims.exp).toBe('number');
    // Characters that could break out of the scope string or the JSON are refused.
    for (const permissions of [['a b'], ['a"b'], ['a\\b'], ['é'], ['']]) {
      const res = await setRole('evil', permissions);
      expect(res.status, JSON.stringify(permissions)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    for (const name of ['a b', 'x"y', '__proto__x"', '-dash']) {
      const res = await h.admin.put(`/admin/roles/${encodeURIComponent(name)}`).send({ permissions: ['ok'] });
      expect(res.status, name).toBe(400);
    }
    const proto = await h.admin.put('/admin/roles/x').send(JSON.parse('{"permissions":["ok"],"__proto__":{"sub":"admin"}}'));
    expect(proto.status).toBe(400);
  });

  it('client-credentials tokens carry the scope from the client, and no roles', async () => {
    const svc = await createClient(h, { type: 'confidential', grant_types: ['client_credentials'], scopes: ['reports:read'] });
    const res = await tokenRequest(h, { grant_type: 'client_credentials' }, svc);
    expect(claimsOf(res.body.access_token)).toMatchObject({ scope: 'reports:read' });
    expect(claimsOf(res.body.access_token)).not.toHaveProperty('roles');
  });

  it('lists roles, deletes them (404 once gone), and writes an event for each change', async () => {
    const list = await h.admin.get('/admin/roles');
    expect(list.status).toBe(200);
    expect(list.body.roles.find((r: { name: string }) => r.name === 'reader')).toMatchObject({
      name: 'reader',
      permissions: ['invoices:read', 'orders:read'],
      description: 'reads things',
    });
    await setRole('temp', ['t']);
    expect((await h.admin.get('/admin/roles/temp')).body).toMatchObject({ name: 'temp', permissions: ['t'] });
    expect((await h.admin.delete('/admin/roles/temp')).status).toBe(204);
    expect((await h.admin.delete('/admin/roles/temp')).status).toBe(404);
    expect((await h.admin.get('/admin/roles/temp')).status).toBe(404);
    const types = (await h.services.store.events.list()).map((e) => e.type);
    for (const type of ['admin_role_set', 'admin_role_deleted', 'admin_user_roles_set'] as const) expect(types).toContain(type);
    const metadata = await h.http.get('/.well-known/oauth-authorization-server');
    expect(metadata.body.scopes_supported).toEqual(expect.arrayContaining(['orders:read', 'orders:write', 'reports:read']));
  });

  it("keeps the copy of each user's roles and permissions (what the refresh reads) equal to the assignments", async () => {
    // After every kind of change above (assign, replace a role, delete a role), recompute from the source.
    const { prisma } = h.database.db;
    const computed = await prisma.$queryRaw<{ id: string; roles: string[]; permissions: string[] }[]>`
      SELECT u.id::text AS id,
             ARRAY(SELECT ur.role_name::text FROM user_roles ur WHERE ur.user_id = u.id ORDER BY 1) AS roles,
             ARRAY(SELECT DISTINCT p FROM user_roles ur JOIN roles r ON r.name = ur.role_name, unnest(r.permissions) p
                    WHERE ur.user_id = u.id ORDER BY 1) AS permissions
        FROM users u ORDER BY u.id`;
    const kept = await prisma.user.findMany({ select: { id: true, roleNames: true, permissions: true }, orderBy: { id: 'asc' } });
    expect(computed.some((c) => c.roles.length > 0)).toBe(true);
    expect(kept.map((u) => ({ id: u.id, roles: u.roleNames, permissions: u.permissions }))).toEqual(computed);
  });
});
