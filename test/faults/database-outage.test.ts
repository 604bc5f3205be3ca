import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { PASSWORD, refresh, refreshCookie, register, registerAndLogin, setCookies } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { createClient, credentials, postForm, tokenRequest } from '../support/oauth.js';

// A database that cannot serve is a dependency outage: 503 temporarily_unavailable with
// Retry-After on every route, never a 500, and never a logged-out user (CONTRACT "Errors",
// "Refresh tokens and sessions": the cookie is cleared only on invalid_grant). A renamed table
// makes every query on it fail the way a restore or a half-done migration does, on PGlite and
// PostgreSQL alike; renaming it back is the database coming back.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const rename = (from: string, to: string) => h.database.db.prisma.$executeRawUnsafe(`ALTER TABLE ${from} RENAME TO ${to}`);

/** Runs `body` while `table` is away, and always puts it back. */
async function withTableAway(table: string, body: () => Promise<void>): Promise<void> {
  await rename(table, `${table}_away`);
  try {
    await body();
  } finally {
    await rename(`${table}_away`, table);
  }
}

function expectUnavailable(res: { status: number; body: unknown; headers: Record<string, string> }) {
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

async function sessionOf(refreshToken: string) {
  const found = await h.services.store.sessions.findPresentedToken(hashRefreshToken(refreshToken));
  if (!found) throw new Error('token not in database');
  return found.session;
}

describe('a failing query on the refresh path', () => {
  it('answers 503 with Retry-After and leaves the cookie alone; the same token refreshes once the database is back', async () => {
    const user = await registerAndLogin(h);
    await withTableAway('refresh_tokens', async () => {
      const res = await refresh(h, user.refreshToken);
      expectUnavailable(res);
      expect(setCookies(res)).toEqual([]); // no Max-Age=0: the browser keeps its session
    });

    const again = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(again, h.config.refreshCookieName)?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await sessionOf(user.refreshToken);
    expect(session.revokedAt).toBeNull();
    expect(await h.services.store.events.list({ type: 'refresh_reuse_detected', sessionId: session.id })).toEqual([]);
  });

  it('logs the outage with the request id, not as an unhandled error', async () => {
    const user = await registerAndLogin(h);
    await withTableAway('refresh_tokens', async () => {
      const res = await refresh(h, user.refreshToken).set('X-Request-Id', 'outage-probe-1');
      expect(res.status).toBe(503);
    });
    const lines = h.logs.records().filter((r) => r.requestId === 'outage-probe-1' && typeof r.outage === 'string');
    expect(lines.map((r) => [r.msg, r.outage])).toEqual([['database unavailable', 'schema']]);
    expect(h.logs.records().filter((r) => r.requestId === 'outage-probe-1' && r.msg === 'unhandled error')).toEqual([]);
  });
});

describe('every route answers 503 while the database cannot serve', () => {
  it('login, refresh, me, logout and logout-all while sessions are away; nothing changed afterwards', async () => {
    const user = await registerAndLogin(h);
    const bearer = `Bearer ${user.accessToken}`;
    const cookie = `${h.config.refreshCookieName}=${user.refreshToken}`;
    await withTableAway('sessions', async () => {
      expectUnavailable(await h.http.post('/auth/login').send({ email: user.email, password: PASSWORD }));
      expectUnavailable(await refresh(h, user.refreshToken));
      expectUnavailable(await h.http.get('/auth/me').set('Authorization', bearer));
      const logout = await h.http.post('/auth/logout').set('Cookie', cookie);
      expectUnavailable(logout);
      expect(setCookies(logout)).toEqual([]);
      expectUnavailable(await h.http.post('/auth/logout-all').set('Authorization', bearer));
      expectUnavailable(await h.admin.post(`/admin/users/${user.userId}/revoke-sessions`));
    });
    await h.http.get('/auth/me').set('Authorization', bearer).expect(200);
    await refresh(h, user.refreshToken).expect(200);
  });

  it('register and the admin API while users and signing keys are away', async () => {
    await withTableAway('users', async () => {
      expectUnavailable(await h.http.post('/auth/register').send({ email: 'outage@example.com', password: PASSWORD }));
      expectUnavailable(await h.admin.get('/admin/users').query({ email: 'outage@example.com' }));
    });
    await withTableAway('signing_keys', async () => {
      expectUnavailable(await h.admin.get('/admin/keys'));
    });
    await register(h.http, 'outage@example.com');
  });

  it('accounts, status lists, OAuth and the client and role admin while their tables are away; nothing changed afterwards', async () => {
    const user = await registerAndLogin(h);
    const bearer = `Bearer ${user.accessToken}`;
    const service = await createClient(h, { type: 'confidential', grant_types: ['client_credentials'], audience: 'api' });
    const auth = credentials(service);
    const reset = (await h.admin.post(`/admin/users/${user.userId}/password-reset`).expect(201)).body.reset_token as string;
    await withTableAway('sessions', async () => {
      expectUnavailable(await h.http.get('/auth/sessions').set('Authorization', bearer));
      expectUnavailable(await h.http.post('/auth/logout-others').set('Authorization', bearer));
      const change = { current_password: PASSWORD, new_password: 'a brand new passphrase' };
      expectUnavailable(await h.http.post('/auth/password').set('Authorization', bearer).send(change));
      expectUnavailable(
        await h.http.post('/auth/password/reset').send({ reset_token: reset, new_password: 'a brand new passphrase' }),
      );
      expectUnavailable(await h.admin.post(`/admin/users/${user.userId}/disable`));
    });
    await withTableAway('status_slots', async () => {
      expectUnavailable(await h.http.get('/statuslists/1'));
    });
    await withTableAway('clients', async () => {
      expectUnavailable(await tokenRequest(h, { grant_type: 'client_credentials' }, auth));
      expectUnavailable(await postForm(h.http, '/oauth/introspect', { token: user.accessToken }, auth));
      expectUnavailable(await h.admin.get('/admin/clients'));
    });
    await withTableAway('roles', async () => {
      expectUnavailable(await h.admin.get('/admin/roles'));
    });
    // Nothing was revoked, changed or spent: the session lives, the password and the reset token are as they were.
    await h.http.get('/auth/me').set('Authorization', bearer).expect(200);
    await refresh(h, user.refreshToken).expect(200);
    await h.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    await h.http.post('/auth/password/reset').send({ reset_token: reset, new_password: 'a brand new passphrase' }).expect(204);
    expect((await tokenRequest(h, { grant_type: 'client_credentials' }, auth)).status).toBe(200);
  });
});
