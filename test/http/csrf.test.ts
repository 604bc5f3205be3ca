import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { type LoggedIn, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// CONTRACT.md "Refresh tokens and sessions": the cookie endpoints refuse a cross-site browser
// request with 403 forbidden_origin and change nothing. Origin decides when present (must be
// in ALLOWED_ORIGINS); without it, Sec-Fetch-Site: cross-site is refused; neither → allowed.

const APP = 'https://app.example.com';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ALLOWED_ORIGINS: `${APP}, http://localhost:3000`, REFRESH_REUSE_INTERVAL: '0' });
});
afterAll(() => h?.close());

const cookieHeader = (token: string) => `${h.config.refreshCookieName}=${token}`;
const post = (path: '/auth/refresh' | '/auth/logout', token: string, headers: Record<string, string>) =>
  h.http.post(path).set('Cookie', cookieHeader(token)).set(headers);

async function tokenRow(token: string) {
  return h.database.db.prisma.refreshToken.findUniqueOrThrow({
    where: { tokenHash: hashRefreshToken(token) },
    include: { session: true },
  });
}

/** 403 forbidden_origin, and not even the cookie is touched (a cleared cookie would be a CSRF logout). */
function expectForbidden(res: Response) {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ error: 'forbidden_origin', error_description: expect.any(String) });
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

/** Nothing changed: the token is unused, its session live, and it still refreshes. */
async function expectUntouched(user: LoggedIn) {
  const row = await tokenRow(user.refreshToken);
  expect(row.usedAt).toBeNull();
  expect(row.session.revokedAt).toBeNull();
  expect(await h.database.db.prisma.refreshToken.count({ where: { sessionId: row.sessionId } })).toBe(1);
  await h.http.get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
  await refresh(h, user.refreshToken).expect(200);
}

const FOREIGN = [
  'https://evil.example',
  'null',
  'http://localhost:3001',
  'https://localhost:3000',
  'https://app.example.com.evil.example',
];

describe.each(['/auth/refresh', '/auth/logout'] as const)('%s', (path) => {
  it('refuses a foreign Origin with 403 forbidden_origin and changes nothing', async () => {
    const user = await registerAndLogin(h);
    for (const origin of FOREIGN) expectForbidden(await post(path, user.refreshToken, { Origin: origin }));
    // Origin decides even when Fetch Metadata claims same-origin.
    expectForbidden(await post(path, user.refreshToken, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-origin' }));
    await expectUntouched(user);
  });

  it('refuses Sec-Fetch-Site: cross-site without Origin, and changes nothing', async () => {
    const user = await registerAndLogin(h);
    expectForbidden(await post(path, user.refreshToken, { 'Sec-Fetch-Site': 'cross-site' }));
    await expectUntouched(user);
  });

  it('accepts each allowed Origin, with credentialed CORS headers for it', async () => {
    for (const origin of [APP, 'http://localhost:3000']) {
      const user = await registerAndLogin(h);
      // Fetch Metadata is not consulted when Origin is present and allowed.
      const res = await post(path, user.refreshToken, { Origin: origin, 'Sec-Fetch-Site': 'cross-site' });
      expect(res.status).toBe(path === '/auth/refresh' ? 200 : 204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      const row = await tokenRow(user.refreshToken);
      if (path === '/auth/refresh') expect(row.usedAt).not.toBeNull();
      else expect(row.session.revokedReason).toBe('logout');
    }
  });

  it('accepts Sec-Fetch-Site same-origin, same-site or none without Origin, and a request with neither header', async () => {
    const cases: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'same-origin' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'none' },
      {},
    ];
    for (const headers of cases) {
      const user = await registerAndLogin(h);
      const res = await post(path, user.refreshToken, headers);
      expect(res.status).toBe(path === '/auth/refresh' ? 200 : 204);
      expect(refreshCookie(res, h.config.refreshCookieName)).toBeDefined();
    }
  });
});

describe('effects of an allowed request (control for the refusals above)', () => {
  it('an allowed-origin logout really revokes, and an allowed-origin refresh really rotates', async () => {
    const a = await registerAndLogin(h);
    await post('/auth/logout', a.refreshToken, { Origin: APP }).expect(204);
    expect((await tokenRow(a.refreshToken)).session.revokedReason).toBe('logout');

    const b = await registerAndLogin(h);
    await post('/auth/refresh', b.refreshToken, { Origin: APP }).expect(200);
    expect((await tokenRow(b.refreshToken)).usedAt).not.toBeNull();
  });
});

describe('CORS preflight', () => {
  it('grants an allowed origin credentialed access and gives a foreign one nothing', async () => {
    const allowed = await h.http.options('/auth/refresh').set('Origin', APP).set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const foreign = await h.http
      .options('/auth/refresh')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
