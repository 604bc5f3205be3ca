import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, refresh, register, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// Response headers of a JSON API (OWASP HTTP Headers Cheat Sheet, OWASP REST Security Cheat
// Sheet), token responses never cached (RFC 6749 §5.1), and CORS only for ALLOWED_ORIGINS.

const APP = 'https://app.example.com';
const OTHER_APP = 'https://admin.example.com';
const EVIL = 'https://evil.example.net';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ ALLOWED_ORIGINS: `${APP},${OTHER_APP}`, TRUST_PROXY: 'loopback' });
});
afterAll(() => h?.close());

function expectApiHardening(res: Response) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers).not.toHaveProperty('x-powered-by');
}

function expectNoStore(res: Response) {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['pragma']).toBe('no-cache');
}

describe('helmet headers suited to a JSON API', () => {
  it.each([
    ['a health check', () => h.http.get('/healthz')],
    ['the JWKS', () => h.http.get('/.well-known/jwks.json')],
    ['a JSON error', () => h.http.post('/auth/login').send({})],
    ['an unknown route', () => undescribed(h.http.get('/nope'))],
    ['a 405', () => undescribed(h.http.delete('/auth/login'))],
  ])('sends nosniff, CSP default-src none, frame denial and no X-Powered-By on %s', async (_what, request) => {
    expectApiHardening(await request());
  });

  it('sends no HSTS while the issuer is plain http (browsers ignore it there; localhost stays unpinned)', async () => {
    const res = await h.http.get('/healthz').expect(200);
    expect(res.headers).not.toHaveProperty('strict-transport-security');
  });

  it('sends HSTS for a year, with subdomains, when the issuer is https', async () => {
    const secure = await startHarness({ ISSUER: 'https://auth.example.com' });
    try {
      const res = await secure.http.get('/healthz').expect(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expectApiHardening(res);
    } finally {
      await secure.close();
    }
  });

  it('answers errors as JSON, never an HTML page that could be sniffed or framed', async () => {
    const res = await h.http.post('/auth/login').set('Content-Type', 'application/json').send('{oops').expect(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).not.toMatch(/<html|<pre|at \w+ \(/i);
  });
});

describe('Cache-Control: no-store and Pragma: no-cache under /auth (RFC 6749 §5.1)', () => {
  it('on the login token response', async () => {
    const user = await register(h.http);
    const res = await h.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(res.body.access_token).toEqual(expect.any(String));
    expectNoStore(res);
  });

  it('on the refresh token response, rotated and within the grace window', async () => {
    const user = await registerAndLogin(h);
    expectNoStore(await refresh(h, user.refreshToken).expect(200));
    expectNoStore(await refresh(h, user.refreshToken).expect(200)); // grace: same successor again
  });

  it('on /auth/me and the 201 of registration', async () => {
    const user = await registerAndLogin(h);
    expectNoStore(await h.http.get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200));
    expectNoStore(await h.http.post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }).expect(201));
  });

  it.each([
    ['400 invalid_request', () => h.http.post('/auth/login').send({ email: 'x' }), 400],
    ['401 invalid_credentials', () => h.http.post('/auth/login').send({ email: uniqueEmail(), password: PASSWORD }), 401],
    ['401 invalid_grant', () => refresh(h, 'A'.repeat(43)), 401],
    ['401 invalid_token', () => h.http.get('/auth/me').set('Authorization', 'Bearer nope'), 401],
    ['403 forbidden_origin', () => h.http.post('/auth/refresh').set('Origin', EVIL), 403],
    ['404 under /auth', () => undescribed(h.http.get('/auth/nope')), 404],
    ['405', () => undescribed(h.http.get('/auth/login')), 405],
    ['413', () => h.http.post('/auth/login').send({ email: 'x', password: 'p'.repeat(9000) }), 413],
    ['415', () => h.http.post('/auth/login').type('form').send({ email: 'x' }), 415],
  ])('on an error: %s', async (_what, request, status) => {
    const res = await request();
    expect(res.status).toBe(status);
    expectNoStore(res);
  });

  it('on a 429 from the login lockout', async () => {
    const user = await register(h.http);
    const ip = '203.0.113.7';
    for (let i = 0; i < 5; i++) {
      await h.http
        .post('/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: user.email, password: 'wrong password!' })
        .expect(401);
    }
    const res = await h.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(429);
    expectNoStore(res);
  });
});

describe('CORS on /auth: only ALLOWED_ORIGINS, with credentials', () => {
  const preflight = (origin: string, path = '/auth/login') =>
    h.http
      .options(path)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');

  it.each([APP, OTHER_APP])('answers a preflight from allowed origin %s with that origin and credentials', async (origin) => {
    const res = await preflight(origin).expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');
    expect(res.headers['vary']).toContain('Origin');
  });

  it('answers a simple request from an allowed origin with that origin and credentials', async () => {
    const user = await register(h.http);
    const res = await h.http.post('/auth/login').set('Origin', APP).send({ email: user.email, password: PASSWORD }).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it('lets a page read WWW-Authenticate on a 401 and Retry-After on a 429 (Access-Control-Expose-Headers)', async () => {
    const exposed = (res: Response) =>
      (res.headers['access-control-expose-headers'] ?? '')
        .toLowerCase()
        .split(',')
        .map((name: string) => name.trim());
    const unauthorized = await h.http.get('/auth/me').set('Origin', APP).expect(401);
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer');
    expect(unauthorized.headers['access-control-allow-origin']).toBe(APP);
    expect(exposed(unauthorized)).toContain('www-authenticate');

    const user = await register(h.http);
    const ip = '203.0.113.8';
    const attempt = () =>
      h.http
        .post('/auth/login')
        .set('Origin', APP)
        .set('X-Forwarded-For', ip)
        .send({ email: user.email, password: 'wrong password!' });
    for (let i = 0; i < 5; i++) await attempt().expect(401);
    const limited = await attempt().expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['access-control-allow-origin']).toBe(APP);
    expect(exposed(limited)).toEqual(expect.arrayContaining(['retry-after', 'x-request-id']));
  });

  it.each([EVIL, 'null', `${APP}.evil.example.net`, 'http://app.example.com', `${APP}:8443`])(
    'sends no Access-Control-Allow-Origin to origin %s (preflight or request)',
    async (origin) => {
      const pre = await preflight(origin);
      expect(pre.headers).not.toHaveProperty('access-control-allow-origin');
      const res = await h.http.post('/auth/login').set('Origin', origin).send({ email: uniqueEmail(), password: PASSWORD });
      expect(res.status).toBe(401);
      expect(res.headers).not.toHaveProperty('access-control-allow-origin');
    },
  );

  it('never answers Access-Control-Allow-Origin: * on a credentialed route', async () => {
    const res = await preflight(APP, '/auth/refresh');
    expect(res.headers['access-control-allow-origin']).not.toBe('*');
  });
});

describe('well-known documents: public, cacheable, readable from any origin', () => {
  it('serves the JWKS with Access-Control-Allow-Origin: * and no credentials', async () => {
    const res = await h.http.get('/.well-known/jwks.json').set('Origin', EVIL).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
  });

  it('lets the JWKS be cached: public max-age, not no-store, no Pragma', async () => {
    const res = await h.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe(`public, max-age=${h.config.jwksMaxAge}`);
    expect(res.headers['cache-control']).not.toContain('no-store');
    expect(res.headers).not.toHaveProperty('pragma');
    expect(res.headers['etag']).toEqual(expect.any(String));
  });

  it('keeps Access-Control-Allow-Origin: * on a 304 revalidation', async () => {
    const first = await h.http.get('/.well-known/jwks.json').expect(200);
    const res = await h.http.get('/.well-known/jwks.json').set('Origin', EVIL).set('If-None-Match', first.headers['etag']!);
    expect(res.status).toBe(304);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a CORS preflight for the JWKS and the metadata from any origin', async () => {
    for (const path of ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server']) {
      const res = await h.http
        .options(path)
        .set('Origin', EVIL)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'if-none-match');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toContain('GET');
    }
  });

  it('serves the RFC 8414 metadata with Access-Control-Allow-Origin: * and a public max-age', async () => {
    const res = await h.http.get('/.well-known/oauth-authorization-server').set('Origin', EVIL).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  });
});
