import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, grantRole, refresh, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// Admin API, CONTRACT Part 2 "Accounts and sessions": GET /admin/users/:id, disable, enable,
// DELETE, and the paginated user list.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ REFRESH_REUSE_INTERVAL: '10' });
});
afterAll(() => h?.close());

const UNKNOWN_ID = '3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (token: string) => h.http.get('/auth/me').set(bearer(token));
const login = (email: string, password = PASSWORD) => h.http.post('/auth/login').send({ email, password });
const db = () => h.database.db.prisma;

describe('GET /admin/users/:id', () => {
  it('shows {id, email, createdAt, disabled, roles}, never the hash', async () => {
    const user = await registerAndLogin(h);
    const res = await h.admin.get(`/admin/users/${user.userId}`).expect(200);
    expect(res.body).toEqual({ id: user.userId, email: user.email, createdAt: expect.any(String), disabled: false, roles: [] });
    await grantRole(h, user.userId, 'clerk', ['orders:read']);
    expect((await h.admin.get(`/admin/users/${user.userId}`).expect(200)).body.roles).toEqual(['clerk']);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 for an unknown id, 400 for a malformed one, 405 for another method', async () => {
    expect((await h.admin.get(`/admin/users/${UNKNOWN_ID}`).expect(404)).body.error).toBe('not_found');
    expect((await h.admin.get('/admin/users/42').expect(400)).body.error_description).toMatch(/^id:/);
    expect((await undescribed(h.admin.put(`/admin/users/${UNKNOWN_ID}`)).expect(405)).headers.allow).toBe('GET, HEAD, DELETE');
  });
});

describe('POST /admin/users/:id/disable and /enable', () => {
  it('disabling revokes every session: access tokens fail /auth/me, refresh tokens fail', async () => {
    const user = await registerAndLogin(h);
    const second = await login(user.email).expect(200);
    const res = await h.admin.post(`/admin/users/${user.userId}/disable`).set('X-Request-Id', 'disable-1').expect(200);
    expect(res.body).toEqual({ id: user.userId, email: user.email, createdAt: expect.any(String), disabled: true, revoked: 2 });

    for (const token of [user.accessToken, second.body.access_token]) expect((await me(token)).status).toBe(401);
    expect((await refresh(h, user.refreshToken)).status).toBe(401);
    const sessions = await db().session.findMany({ where: { userId: user.userId } });
    expect(sessions.map((s) => s.revokedReason)).toEqual(['user_disabled', 'user_disabled']);
    const [event] = await h.services.store.events.list({ type: 'user_disabled', userId: user.userId });
    expect(event).toMatchObject({ requestId: 'disable-1', details: { revoked: 2 } });
    expect((await h.admin.get(`/admin/users/${user.userId}`)).body.disabled).toBe(true);
  });

  it('a disabled user cannot log in: the same status and body as a wrong password', async () => {
    const user = await registerAndLogin(h);
    const wrong = await login(user.email, 'not the password');
    await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200);
    const right = await login(user.email, PASSWORD);
    expect(right.status).toBe(401);
    expect(right.text).toBe(wrong.text);
    expect(right.headers['set-cookie']).toBe(wrong.headers['set-cookie']);
    expect(right.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
    const failures = await h.services.store.events.list({ type: 'login_failed', userId: user.userId });
    expect(failures.map((e) => e.details?.reason)).toEqual(['wrong_password', 'user_disabled']);
  });

  it('a disabled user cannot redeem a password reset token (400 invalid_grant), and it works again once enabled', async () => {
    const user = await registerAndLogin(h);
    const { reset_token } = (await h.admin.post(`/admin/users/${user.userId}/password-reset`).expect(201)).body;
    await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200);
    const refused = await h.http.post('/auth/password/reset').send({ reset_token, new_password: 'a brand new passphrase' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    await h.admin.post(`/admin/users/${user.userId}/enable`).expect(200);
    await h.http.post('/auth/password/reset').send({ reset_token, new_password: 'a brand new passphrase' }).expect(204);
  });

  it('disabling twice keeps the account disabled and reports nothing more revoked', async () => {
    const user = await registerAndLogin(h);
    await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200);
    const before = await db().user.findUniqueOrThrow({ where: { id: user.userId } });
    h.clock.advance(5);
    expect((await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200)).body).toMatchObject({ revoked: 0 });
    const after = await db().user.findUniqueOrThrow({ where: { id: user.userId } });
    expect(after.disabledAt).toEqual(before.disabledAt);
  });

  it('enabling lets the user log in again; the sessions that disabling ended stay ended', async () => {
    const user = await registerAndLogin(h);
    await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200);
    const res = await h.admin.post(`/admin/users/${user.userId}/enable`).set('X-Request-Id', 'enable-1').expect(200);
    expect(res.body).toEqual({ id: user.userId, email: user.email, createdAt: expect.any(String), disabled: false });
    await login(user.email).expect(200);
    expect((await me(user.accessToken)).status).toBe(401);
    expect((await refresh(h, user.refreshToken)).status).toBe(401);
    const [event] = await h.services.store.events.list({ type: 'user_enabled', userId: user.userId });
    expect(event).toMatchObject({ requestId: 'enable-1' });
  });

  it('refuses a disabled user even where a session was somehow left live: /auth/me, refresh and the grace window', async () => {
    // Disabling revokes every session in the same transaction; this is the defence behind it
    // (e.g. an operator setting disabled_at by hand).
    const user = await registerAndLogin(h);
    const rotated = await refresh(h, user.refreshToken).expect(200);
    await db().user.update({ where: { id: user.userId }, data: { disabledAt: h.clock.now() } });

    expect((await me(rotated.body.access_token)).status).toBe(401);
    // Within REFRESH_REUSE_INTERVAL the old token would get the same successor: not for a disabled user.
    const grace = await refresh(h, user.refreshToken);
    expect(grace.status).toBe(401);
    expect(grace.body.error).toBe('invalid_grant');
    // Judged as the account being disabled, not as token theft.
    const [session] = await db().session.findMany({ where: { userId: user.userId } });
    expect(session?.revokedReason).toBe('user_disabled');
    expect(await h.services.store.events.list({ type: 'refresh_reuse_detected', userId: user.userId })).toEqual([]);
  });

  it('a login whose password check overlaps a disable or a delete creates no session and answers 401', async () => {
    const users = h.services.store.users;
    const findByEmail = users.findByEmail.bind(users);
    for (const action of ['disable', 'delete'] as const) {
      const user = await registerAndLogin(h);
      // The account changes after login read it and before the session is written.
      users.findByEmail = async (email) => {
        const found = await findByEmail(email);
        if (action === 'disable') await h.admin.post(`/admin/users/${user.userId}/disable`).expect(200);
        else await h.admin.delete(`/admin/users/${user.userId}`).expect(204);
        return found;
      };
      let res;
      try {
        res = await login(user.email);
      } finally {
        users.findByEmail = findByEmail;
      }
      expect(res.status, action).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
      expect(await db().session.count({ where: { userId: user.userId, revokedAt: null } })).toBe(0);
      const failed = await h.services.store.events.list({ type: 'login_failed', userId: user.userId });
      expect(failed.map((e) => e.details?.reason)).toEqual(['user_disabled']);
    }
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    for (const action of ['disable', 'enable']) {
      expect((await h.admin.post(`/admin/users/${UNKNOWN_ID}/${action}`).expect(404)).body.error).toBe('not_found');
      expect((await h.admin.post(`/admin/users/nope/${action}`).expect(400)).body.error).toBe('invalid_request');
      expect((await undescribed(h.admin.get(`/admin/users/${UNKNOWN_ID}/${action}`)).expect(405)).headers.allow).toBe('POST');
    }
  });
});

describe('DELETE /admin/users/:id', () => {
  it('deletes the user with every session, refresh token and reset token; security events keep the id', async () => {
    const user = await registerAndLogin(h);
    await refresh(h, user.refreshToken).expect(200);
    await login(user.email).expect(200);
    await h.admin.post(`/admin/users/${user.userId}/password-reset`).expect(201);
    const sessionIds = (await db().session.findMany({ where: { userId: user.userId } })).map((s) => s.id);
    expect(sessionIds).toHaveLength(2);

    await h.admin.delete(`/admin/users/${user.userId}`).set('X-Request-Id', 'delete-1').expect(204);

    expect(await db().user.findUnique({ where: { id: user.userId } })).toBeNull();
    expect(await db().session.count({ where: { userId: user.userId } })).toBe(0);
    expect(await db().refreshToken.count({ where: { sessionId: { in: sessionIds } } })).toBe(0);
    expect(await db().passwordResetToken.count({ where: { userId: user.userId } })).toBe(0);
    const history = (await h.services.store.events.list({ userId: user.userId })).map((e) => e.type);
    expect(history).toEqual(expect.arrayContaining(['user_registered', 'login_succeeded', 'password_reset_issued']));
    expect(history.at(-1)).toBe('user_deleted');
    const [deleted] = await h.services.store.events.list({ type: 'user_deleted', userId: user.userId });
    expect(deleted).toMatchObject({ requestId: 'delete-1', details: { sessions: 2 } });

    expect((await me(user.accessToken)).status).toBe(401);
    expect((await refresh(h, user.refreshToken)).status).toBe(401);
    expect((await login(user.email)).status).toBe(401);
  });

  it('answers 404 once the user is gone, and the email can be used again', async () => {
    const user = await registerAndLogin(h);
    await h.admin.delete(`/admin/users/${user.userId}`).expect(204);
    expect((await h.admin.delete(`/admin/users/${user.userId}`).expect(404)).body.error).toBe('not_found');
    expect((await h.admin.get(`/admin/users/${user.userId}`).expect(404)).body.error).toBe('not_found');
    await h.admin.get('/admin/users').query({ email: user.email }).expect(404);
    await h.admin.post('/admin/users').send({ email: user.email, password: PASSWORD }).expect(201);
  });

  it('answers 400 for a malformed id', async () => {
    expect((await h.admin.delete('/admin/users/42').expect(400)).body.error).toBe('invalid_request');
  });
});

describe('GET /admin/users?limit=&cursor=', () => {
  let l: Harness;
  const created: string[] = [];
  beforeAll(async () => {
    l = await startHarness();
    for (let i = 0; i < 7; i++) {
      // Several users share a creation time (the clock does not move): the order still holds.
      if (i % 3 === 0) l.clock.advance(1);
      const res = await l.admin
        .post('/admin/users')
        .send({ email: uniqueEmail('list'), password: PASSWORD })
        .expect(201);
      created.push(res.body.id);
    }
  });
  afterAll(() => l?.close());

  async function pages(limit: number) {
    const seen: { id: string; disabled: boolean }[][] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: String(limit), ...(cursor && { cursor }) };
      const res = await l.admin.get('/admin/users').query(query).expect(200);
      seen.push(res.body.users);
      cursor = res.body.next_cursor;
    } while (cursor);
    return seen;
  }

  it('pages through every user exactly once, in a stable order, ending with next_cursor null', async () => {
    const seen = await pages(3);
    expect(seen.map((p) => p.length)).toEqual([3, 3, 1]);
    const ids = seen.flat().map((u) => u.id);
    expect(new Set(ids).size).toBe(7);
    expect(new Set(ids)).toEqual(new Set(created));
    expect((await pages(2)).flat().map((u) => u.id)).toEqual(ids);
    expect((await pages(100)).flat().map((u) => u.id)).toEqual(ids);
  });

  it('shows each user as {id, email, createdAt, disabled}', async () => {
    await l.admin.post(`/admin/users/${created[0]}/disable`).expect(200);
    const res = await l.admin.get('/admin/users').expect(200);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.users).toHaveLength(7);
    expect(res.body.users.find((u: { id: string }) => u.id === created[0])).toEqual({
      id: created[0],
      email: expect.stringMatching(/^list-/),
      createdAt: expect.any(String),
      disabled: true,
    });
    expect(Object.keys(res.body.users[1]).sort()).toEqual(['createdAt', 'disabled', 'email', 'id']);
  });

  it('does not repeat a user when one is deleted between pages', async () => {
    const first = await l.admin.get('/admin/users').query({ limit: 3 }).expect(200);
    await l.admin.delete(`/admin/users/${first.body.users[2].id}`).expect(204);
    const rest = await l.admin.get('/admin/users').query({ limit: 50, cursor: first.body.next_cursor }).expect(200);
    const ids = [...first.body.users, ...rest.body.users].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(7);
  });

  it('answers 50 users per page by default', async () => {
    const now = l.clock.now();
    await l.database.db.prisma.user.createMany({
      data: Array.from({ length: 50 }, () => ({ email: uniqueEmail('bulk'), passwordHash: 'x', createdAt: now })),
    });
    const res = await l.admin.get('/admin/users').expect(200);
    expect(res.body.users).toHaveLength(50);
    expect(res.body.next_cursor).toEqual(expect.any(String));
    const rest = await l.admin.get('/admin/users').query({ cursor: res.body.next_cursor }).expect(200);
    expect(rest.body.users).toHaveLength(6); // 7 created − 1 deleted + 50 = 56
    expect(rest.body.next_cursor).toBeNull();
  });

  it.each([
    [{ limit: '0' }, /^limit: /],
    [{ limit: '101' }, /^limit: /],
    [{ limit: '2.5' }, /^limit: /],
    [{ limit: 'ten' }, /^limit: /],
    [{ cursor: 'not-a-cursor' }, /^cursor: /],
    [{ cursor: Buffer.from('[1,"x"]').toString('base64url') }, /^cursor: /],
    [{ page: '2' }, /^page: not an accepted field/],
  ])('answers 400 invalid_request for %j', async (query, description) => {
    const res = await l.admin.get('/admin/users').query(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(description);
  });
});
