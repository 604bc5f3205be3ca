import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// Admin API, users and sessions (CONTRACT "Admin API"). Registration is closed on the public
// listener here: admin creation must not depend on it.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ALLOW_REGISTRATION: 'false' });
});
afterAll(() => h?.close());

async function adminCreate(email = uniqueEmail('admin'), password = PASSWORD) {
  const res = await h.admin.post('/admin/users').send({ email, password }).expect(201);
  return { id: res.body.id as string, email, password };
}

async function login(email: string, password = PASSWORD) {
  const res = await h.http.post('/auth/login').send({ email, password }).expect(200);
  return res.body.access_token as string;
}

describe('POST /admin/users', () => {
  it('creates a user who can log in, although public registration is off', async () => {
    await undescribed(h.http.post('/auth/register')).send({ email: uniqueEmail(), password: PASSWORD }).expect(404);
    const res = await h.admin
      .post('/admin/users')
      .set('X-Request-Id', 'create-1')
      .send({ email: ' Ada@Example.COM ', password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ada@example.com' });
    expect(res.headers['cache-control']).toBe('no-store');
    const token = await login('ada@example.com');
    await h.http.get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    const [event] = (await h.services.store.events.list({ type: 'admin_user_created' })).filter(
      (e) => e.requestId === 'create-1',
    );
    expect(event).toMatchObject({ userId: res.body.id });
    expect(h.logs.records().some((l) => l.securityEvent === 'admin_user_created' && l.requestId === 'create-1')).toBe(true);
  });

  it('answers 409 email_taken for an existing email, whatever its case', async () => {
    const user = await adminCreate();
    const res = await h.admin.post('/admin/users').send({ email: user.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'email_taken', error_description: expect.any(String) });
  });

  it.each([
    [{ password: PASSWORD }, /email/],
    [{ email: 'not-an-email', password: PASSWORD }, /email/],
    [{ email: uniqueEmail() }, /password/],
    [{ email: uniqueEmail(), password: 'short' }, /password/],
    [{ email: uniqueEmail(), password: 'password123' }, /password/],
    [{ email: uniqueEmail(), password: PASSWORD, admin: true }, /admin/],
  ])('answers 400 invalid_request naming the bad field for %j', async (body, field) => {
    const res = await h.admin.post('/admin/users').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(field);
  });

  it('refuses a non-JSON body with 415 and an oversized one with 413', async () => {
    const form = await h.admin.post('/admin/users').type('form').send('email=a@b.c&password=xxxxxxxxxx');
    expect(form.status).toBe(415);
    expect(form.body.error).toBe('unsupported_media_type');
    const big = await h.admin.post('/admin/users').send({ email: uniqueEmail(), password: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('payload_too_large');
    const broken = await h.admin.post('/admin/users').set('Content-Type', 'application/json').send('{"email":');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('invalid_request');
  });
});

describe('GET /admin/users?email=', () => {
  it('finds a user by (normalised) email', async () => {
    const user = await adminCreate();
    const res = await h.admin.get('/admin/users').query({ email: user.email.toUpperCase() }).expect(200);
    expect(res.body).toEqual({ id: user.id, email: user.email, createdAt: h.clock.now().toISOString() });
  });

  it('answers 404 not_found for an unknown email', async () => {
    const res = await h.admin.get('/admin/users').query({ email: uniqueEmail('nobody') });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });

  it('answers 400 with a malformed email, or with other parameters beside it', async () => {
    for (const query of [{ email: 'nope' }, { email: 'a@b.example', role: 'x' }, { email: 'a@b.example', limit: '5' }]) {
      const res = await h.admin.get('/admin/users').query(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
  });
});

describe('POST /admin/users/:id/revoke-sessions', () => {
  it('revokes every live session of that user only: their access tokens fail at /auth/me', async () => {
    const user = await adminCreate();
    const tokens = [await login(user.email), await login(user.email)];
    const other = await adminCreate();
    const otherToken = await login(other.email);

    const res = await h.admin.post(`/admin/users/${user.id}/revoke-sessions`).set('X-Request-Id', 'revoke-1').expect(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const token of tokens) {
      const me = await h.http.get('/auth/me').set('Authorization', `Bearer ${token}`);
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('invalid_token');
    }
    await h.http.get('/auth/me').set('Authorization', `Bearer ${otherToken}`).expect(200);

    const sessions = await h.database.db.prisma.session.findMany({ where: { userId: user.id } });
    expect(sessions.map((s) => s.revokedReason)).toEqual(['admin', 'admin']);
    const events = (await h.services.store.events.list({ type: 'admin_sessions_revoked' })).filter(
      (e) => e.requestId === 'revoke-1',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: user.id });
  });

  it('answers {revoked: 0} when nothing is live, e.g. a second time', async () => {
    const user = await adminCreate();
    await login(user.email);
    await h.admin.post(`/admin/users/${user.id}/revoke-sessions`).expect(200, { revoked: 1 });
    await h.admin.post(`/admin/users/${user.id}/revoke-sessions`).expect(200, { revoked: 0 });
  });

  it('ends a session logged in through the public API too, refresh included', async () => {
    const pub = await startHarness();
    try {
      const user = await registerAndLogin(pub);
      await pub.admin.post(`/admin/users/${user.userId}/revoke-sessions`).expect(200, { revoked: 1 });
      const res = await pub.http.post('/auth/refresh').set('Cookie', `${pub.config.refreshCookieName}=${user.refreshToken}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_grant');
    } finally {
      await pub.close();
    }
  });

  it('answers 404 for an unknown user id and 400 for a malformed one', async () => {
    const unknown = await h.admin.post('/admin/users/3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a/revoke-sessions');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const malformed = await h.admin.post('/admin/users/42/revoke-sessions');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/^id:/) });
  });

  it('answers 405 with Allow for another method', async () => {
    const res = await undescribed(h.admin.get('/admin/users/3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a/revoke-sessions'));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.error).toBe('method_not_allowed');
  });
});

it('serves the admin API on the admin app only', async () => {
  const res = await undescribed(h.http.get('/admin/keys'));
  expect(res.status).toBe(404);
  expect(res.body.error).toBe('not_found');
});
