import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, PASSWORD, refresh, refreshCookie, registerAndLogin, newIp } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// CONTRACT Part 2 "Accounts and sessions": POST /auth/password (change, Bearer) and
// POST /admin/users/:id/password-reset → POST /auth/password/reset (single use, 15 minutes).

const NEW_PASSWORD = 'a brand new passphrase';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: 'loopback' });
});
afterAll(() => h?.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (token: string) => h.http.get('/auth/me').set(bearer(token));
const login = (email: string, password: string, ip = newIp()) =>
  h.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
const change = (token: string, body: object, ip = '192.0.2.1') =>
  h.http.post('/auth/password').set(bearer(token)).set('X-Forwarded-For', ip).send(body);
const redeem = (body: object) => h.http.post('/auth/password/reset').send(body);
const issueReset = async (userId: string) =>
  (await h.admin.post(`/admin/users/${userId}/password-reset`).expect(201)).body as { reset_token: string; expiresAt: string };
const sessionsOf = (userId: string) =>
  h.database.db.prisma.session.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });

async function secondDevice(user: LoggedIn) {
  const res = await login(user.email, user.password).expect(200);
  return { accessToken: res.body.access_token as string, refreshToken: refreshCookie(res, h.config.refreshCookieName)!.value };
}

describe('POST /auth/password', () => {
  it('changes the password and ends every other session (refresh and access tokens); this one lives', async () => {
    const user = await registerAndLogin(h);
    const others = [await secondDevice(user), await secondDevice(user)];
    const stranger = await registerAndLogin(h);

    await change(user.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD })
      .set('X-Request-Id', 'change-1')
      .expect(204);

    for (const other of others) {
      expect((await refresh(h, other.refreshToken).expect(401)).body.error).toBe('invalid_grant');
      expect((await me(other.accessToken).expect(401)).body.error).toBe('invalid_token');
    }
    await me(user.accessToken).expect(200);
    await refresh(h, user.refreshToken).expect(200);
    await me(stranger.accessToken).expect(200);
    expect((await sessionsOf(user.userId)).map((s) => s.revokedReason)).toEqual([null, 'password_changed', 'password_changed']);

    expect((await login(user.email, PASSWORD)).status).toBe(401);
    await login(user.email, NEW_PASSWORD).expect(200);
    const [event] = (await h.services.store.events.list({ type: 'password_changed', userId: user.userId })).filter(
      (e) => e.requestId === 'change-1',
    );
    expect(event).toMatchObject({ details: { revoked: 2 } });
  });

  it('answers 401 invalid_credentials for a wrong current password and changes nothing', async () => {
    const user = await registerAndLogin(h);
    const other = await secondDevice(user);
    const res = await change(user.accessToken, { current_password: 'not my password', new_password: NEW_PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_credentials', error_description: 'current password is incorrect' });
    await me(other.accessToken).expect(200);
    await login(user.email, PASSWORD).expect(200);
    const events = await h.services.store.events.list({ type: 'password_change_failed', userId: user.userId });
    expect(events).toHaveLength(1);
  });

  it('counts wrong current passwords with the login brute-force limits (per email and IP)', async () => {
    const user = await registerAndLogin(h);
    const ip = newIp();
    for (let i = 0; i < 5; i++) {
      await change(user.accessToken, { current_password: `wrong guess ${i}`, new_password: NEW_PASSWORD }, ip).expect(401);
    }
    const locked = await change(user.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD }, ip);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('300');
    // The same counters as login: that email from that IP is locked for logins too.
    expect((await login(user.email, PASSWORD, ip)).status).toBe(429);
    expect(await h.services.store.events.list({ type: 'login_locked', userId: user.userId })).toHaveLength(1);
    await login(user.email, PASSWORD).expect(200); // another IP is unaffected
  });

  it('changes nothing when its own session was ended while the password was being checked (401 invalid_token)', async () => {
    const user = await registerAndLogin(h);
    const other = await secondDevice(user);
    const users = h.services.store.users;
    const findById = users.findById.bind(users);
    // E.g. the other device changed the password first, which ended this session.
    users.findById = async (id) => {
      await h.http.post('/auth/logout-others').set(bearer(other.accessToken)).expect(204);
      return findById(id);
    };
    let res;
    try {
      res = await change(user.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    } finally {
      users.findById = findById;
    }
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    await login(user.email, PASSWORD).expect(200);
    await me(other.accessToken).expect(200);
    expect(await h.services.store.events.list({ type: 'password_changed', userId: user.userId })).toEqual([]);
  });

  it.each([
    [{ current_password: PASSWORD, new_password: 'short' }, /^new_password: must be at least 8/],
    [{ current_password: PASSWORD, new_password: 'password123' }, /^new_password: is too common/],
    [{ current_password: PASSWORD }, /^new_password: is required/],
    [{ new_password: NEW_PASSWORD }, /^current_password: is required/],
    [{ current_password: PASSWORD, new_password: NEW_PASSWORD, email: 'x@y.z' }, /^email: not an accepted field/],
  ])('answers 400 invalid_request naming the field for %j', async (body, description) => {
    const user = await registerAndLogin(h);
    const res = await change(user.accessToken, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(description);
  });

  it('answers 401 invalid_token without a valid access token, 415 without JSON, 405 for GET', async () => {
    const none = await h.http.post('/auth/password').send({ current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_token');
    const user = await registerAndLogin(h);
    await h.http.post('/auth/password').set(bearer(user.accessToken)).type('form').send('a=b').expect(415);
    expect((await undescribed(h.http.get('/auth/password')).expect(405)).headers.allow).toBe('POST');
  });
});

describe('password reset', () => {
  it('issues a 256-bit token valid 15 minutes, stored only as a hash', async () => {
    const user = await registerAndLogin(h);
    const res = await h.admin.post(`/admin/users/${user.userId}/password-reset`).set('X-Request-Id', 'issue-1').expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      reset_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(h.clock.now().getTime() + 15 * 60_000).toISOString(),
    });
    const rows = await h.database.db.prisma.passwordResetToken.findMany({ where: { userId: user.userId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash('sha256').update(res.body.reset_token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(res.body.reset_token);
    const [event] = await h.services.store.events.list({ type: 'password_reset_issued', userId: user.userId });
    expect(event).toMatchObject({ requestId: 'issue-1' });
    expect(JSON.stringify(h.logs.records())).not.toContain(res.body.reset_token);
  });

  it('sets the password and ends every session, the current ones included; the token works once', async () => {
    const user = await registerAndLogin(h);
    const other = await secondDevice(user);
    const { reset_token } = await issueReset(user.userId);

    await redeem({ reset_token, new_password: NEW_PASSWORD }).expect(204);

    for (const device of [user, other]) {
      await refresh(h, device.refreshToken).expect(401);
      await me(device.accessToken).expect(401);
    }
    expect((await sessionsOf(user.userId)).map((s) => s.revokedReason)).toEqual(['password_reset', 'password_reset']);
    expect((await login(user.email, PASSWORD)).status).toBe(401);
    await login(user.email, NEW_PASSWORD).expect(200);
    expect(await h.services.store.events.list({ type: 'password_reset', userId: user.userId })).toHaveLength(1);

    const again = await redeem({ reset_token, new_password: 'yet another passphrase' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'reset token is unknown, used or expired' });
    await login(user.email, NEW_PASSWORD).expect(200);
  });

  it('refuses an expired token (15 minutes by the clock), an unknown one and a malformed one with 400 invalid_grant', async () => {
    const user = await registerAndLogin(h);
    const early = await issueReset(user.userId);
    h.clock.advance(15 * 60 - 1);
    const late = await issueReset(user.userId); // replaces `early`
    h.clock.advance(15 * 60);
    for (const reset_token of [late.reset_token, early.reset_token, 'A'.repeat(43), 'short']) {
      const res = await redeem({ reset_token, new_password: NEW_PASSWORD });
      expect(res.status, reset_token).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    }
    await login(user.email, PASSWORD).expect(200);
    expect(await h.services.store.events.list({ type: 'password_reset_failed' })).not.toHaveLength(0);
  });

  it('accepts a token one second before it expires', async () => {
    const user = await registerAndLogin(h);
    const { reset_token } = await issueReset(user.userId);
    h.clock.advance(15 * 60 - 1);
    await redeem({ reset_token, new_password: NEW_PASSWORD }).expect(204);
  });

  it('a newer token replaces the older one, and a password change spends any outstanding token', async () => {
    const user = await registerAndLogin(h);
    const first = await issueReset(user.userId);
    const second = await issueReset(user.userId);
    expect((await redeem({ reset_token: first.reset_token, new_password: NEW_PASSWORD })).status).toBe(400);
    await change(user.accessToken, { current_password: PASSWORD, new_password: NEW_PASSWORD }).expect(204);
    expect((await redeem({ reset_token: second.reset_token, new_password: 'yet another passphrase' })).status).toBe(400);
  });

  it('keeps the token when the new password is refused by the policy (400 invalid_request naming new_password)', async () => {
    const user = await registerAndLogin(h);
    const { reset_token } = await issueReset(user.userId);
    const weak = await redeem({ reset_token, new_password: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('invalid_request');
    expect(weak.body.error_description).toMatch(/^new_password: /);
    const missing = await redeem({ new_password: NEW_PASSWORD });
    expect(missing.body.error_description).toMatch(/^reset_token: is required/);
    await redeem({ reset_token, new_password: NEW_PASSWORD }).expect(204);
  });

  it('redeems a token exactly once when several requests present it at the same moment', async () => {
    const user = await registerAndLogin(h);
    const { reset_token } = await issueReset(user.userId);
    const passwords = Array.from({ length: 6 }, (_, i) => `parallel passphrase ${i}`);
    const results = await Promise.all(passwords.map((new_password) => redeem({ reset_token, new_password })));
    const winners = results.flatMap((r, i) => (r.status === 204 ? [passwords[i]!] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(5);
    await login(user.email, winners[0]!).expect(200);
    expect(await h.services.store.events.list({ type: 'password_reset', userId: user.userId })).toHaveLength(1);
  });

  it('answers 404 for an unknown user id and 400 for a malformed one', async () => {
    const unknown = await h.admin.post('/admin/users/3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a/password-reset');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const malformed = await h.admin.post('/admin/users/42/password-reset');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error_description).toMatch(/^id:/);
  });
});
