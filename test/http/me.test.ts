import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { bearer } from './helpers.js';
import { undescribed } from '../support/openapi.js';

// GET /auth/me (CONTRACT.md "Public HTTP API"): signature AND a live session.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('GET /auth/me', () => {
  it('answers 200 {id, email, createdAt} for a valid access token, never cached', async () => {
    const registeredAt = h.clock.now();
    const user = await registerAndLogin(h);
    const res = await h.http.get('/auth/me').set(bearer(user.accessToken));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // Part 2 adds the user's roles and permissions (none here).
    expect(res.body).toEqual({
      id: user.userId,
      email: user.email,
      createdAt: registeredAt.toISOString(),
      roles: [],
      permissions: [],
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    const user = await registerAndLogin(h);
    await h.http.get('/auth/me').set('Authorization', `bearer ${user.accessToken}`).expect(200);
  });

  it('keeps accepting an older access token of the session after a refresh (until it expires)', async () => {
    const user = await registerAndLogin(h);
    const next = await refresh(h, user.refreshToken).expect(200);
    await h.http.get('/auth/me').set(bearer(user.accessToken)).expect(200);
    await h.http.get('/auth/me').set(bearer(next.body.access_token)).expect(200);
  });

  it('answers 401 invalid_token once its session is logged out, though the signature is still valid', async () => {
    const user = await registerAndLogin(h);
    await h.http.get('/auth/me').set(bearer(user.accessToken)).expect(200);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`).expect(204);
    const res = await h.http.get('/auth/me').set(bearer(user.accessToken));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('answers 401 invalid_token once the access token has expired (ACCESS_TOKEN_TTL + clock skew)', async () => {
    const user = await registerAndLogin(h);
    h.clock.advance(h.config.accessTokenTtl);
    await h.http.get('/auth/me').set(bearer(user.accessToken)).expect(200); // within the 30 s skew
    h.clock.advance(h.config.clockSkew + 1);
    const res = await h.http.get('/auth/me').set(bearer(user.accessToken));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toMatch(/expired/);
  });

  it('answers 401 with a bare challenge without a token, and never reads one from the query', async () => {
    const none = await h.http.get('/auth/me');
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_token');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const user = await registerAndLogin(h);
    const query = await h.http.get(`/auth/me?access_token=${user.accessToken}`);
    expect(query.status).not.toBe(200);
    expect(query.body.error).toMatch(/^invalid_(request|token)$/);
    expect(query.body).not.toHaveProperty('id');
  });

  it('answers 405 method_not_allowed with Allow for POST, PUT and DELETE', async () => {
    const user = await registerAndLogin(h);
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const res = await undescribed(h.http[method]('/auth/me')).set(bearer(user.accessToken));
      expect(res.status).toBe(405);
      expect(res.body).toEqual({ error: 'method_not_allowed', error_description: expect.any(String) });
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('clears no cookie and sets none', async () => {
    const user = await registerAndLogin(h);
    const res = await h.http.get('/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(refreshCookie(res, h.config.refreshCookieName)).toBeUndefined();
  });
});
