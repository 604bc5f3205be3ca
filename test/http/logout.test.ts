import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { bearer } from './helpers.js';

// POST /auth/logout and POST /auth/logout-all (CONTRACT.md "Public HTTP API"; RFC 6750 §3.1 challenges).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const sessionOf = (accessToken: string) =>
  h.database.db.prisma.session.findUniqueOrThrow({ where: { id: decodeJwt(accessToken).sid as string } });

/** A second login of the same user: another session. */
async function loginAgain(user: LoggedIn) {
  const res = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
  return { accessToken: res.body.access_token as string, refreshToken: refreshCookie(res, h.config.refreshCookieName)!.value };
}

describe('POST /auth/logout', () => {
  it('answers 204, clears the cookie, revokes the session; its refresh and access tokens stop working', async () => {
    const user = await registerAndLogin(h);
    const res = await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const cleared = refreshCookie(res, h.config.refreshCookieName);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes).toMatchObject({ 'max-age': '0', path: '/auth', httponly: true, samesite: 'Strict' });
    expect(res.headers['cache-control']).toBe('no-store');

    const session = await sessionOf(user.accessToken);
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokedReason).toBe('logout');
    const again = await refresh(h, user.refreshToken);
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_grant');
    await h.http.get('/auth/me').set(bearer(user.accessToken)).expect(401);
  });

  it('ends only that session: another login of the same user keeps working', async () => {
    const user = await registerAndLogin(h);
    const other = await loginAgain(user);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`).expect(204);
    await h.http.get('/auth/me').set(bearer(other.accessToken)).expect(200);
    await refresh(h, other.refreshToken).expect(200);
  });

  it('answers 204 without a cookie, with an unknown token, and twice in a row', async () => {
    const none = await h.http.post('/auth/logout');
    expect(none.status).toBe(204);
    expect(refreshCookie(none, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');
    await h.http
      .post('/auth/logout')
      .set('Cookie', `${h.config.refreshCookieName}=${'A'.repeat(43)}`)
      .expect(204);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=garbage`).expect(204);
    const user = await registerAndLogin(h);
    const cookie = `${h.config.refreshCookieName}=${user.refreshToken}`;
    await h.http.post('/auth/logout').set('Cookie', cookie).expect(204);
    await h.http.post('/auth/logout').set('Cookie', cookie).expect(204);
  });
});

describe('POST /auth/logout-all', () => {
  it('answers 204 and revokes every session of the user, but no other user’s', async () => {
    const user = await registerAndLogin(h);
    const second = await loginAgain(user);
    const bystander = await registerAndLogin(h);

    const res = await h.http.post('/auth/logout-all').set(bearer(user.accessToken));
    expect(res.status).toBe(204);
    expect(refreshCookie(res, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');

    const sessions = await h.database.db.prisma.session.findMany({ where: { userId: user.userId } });
    expect(sessions).toHaveLength(2);
    expect(sessions.every((s) => s.revokedAt !== null && s.revokedReason === 'logout_all')).toBe(true);
    for (const token of [user.accessToken, second.accessToken]) await h.http.get('/auth/me').set(bearer(token)).expect(401);
    for (const token of [user.refreshToken, second.refreshToken]) await refresh(h, token).expect(401);

    expect((await sessionOf(bystander.accessToken)).revokedAt).toBeNull();
    await h.http.get('/auth/me').set(bearer(bystander.accessToken)).expect(200);
    await refresh(h, bystander.refreshToken).expect(200);
  });

  it('answers 401 invalid_token with a bare "WWW-Authenticate: Bearer" when no token is sent', async () => {
    const res = await h.http.post('/auth/logout-all');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 invalid_token with error="invalid_token" for a bad token, and revokes nothing', async () => {
    const user = await registerAndLogin(h);
    const [head, body] = user.accessToken.split('.');
    for (const header of [`Bearer ${head}.${body}.AAAA`, 'Bearer not-a-jwt', `Basic ${user.accessToken}`, `Bearer`]) {
      const res = await h.http.post('/auth/logout-all').set('Authorization', header);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    expect((await sessionOf(user.accessToken)).revokedAt).toBeNull();
  });

  it('does not accept the access token in the URL query (RFC 6750 §2.3 is not supported)', async () => {
    const user = await registerAndLogin(h);
    const res = await h.http.post(`/auth/logout-all?access_token=${user.accessToken}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error).toMatch(/^invalid_(request|token)$/);
    expect((await sessionOf(user.accessToken)).revokedAt).toBeNull();
  });

  it('refuses an access token whose session was already logged out', async () => {
    const user = await registerAndLogin(h);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`).expect(204);
    const res = await h.http.post('/auth/logout-all').set(bearer(user.accessToken));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });
});
