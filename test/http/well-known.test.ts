import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_ALGS } from '../../src/config.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// GET /.well-known/jwks.json (RFC 7517) and /.well-known/oauth-authorization-server (RFC 8414).

// Every private member a JWK can have (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2; symmetric `k`).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe.each(['ES256', 'RS256'] as const)('GET /.well-known/jwks.json (SIGNING_ALG=%s)', (alg) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ SIGNING_ALG: alg, JWKS_MAX_AGE: '120' });
  });
  afterAll(() => h?.close());

  it('publishes the active key with public members only: kty, kid, alg, use "sig"', async () => {
    const res = await h.http.get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { keys } = res.body as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    const active = keys.find((k) => k.kid === h.services.keys.signingKey().kid);
    expect(active).toMatchObject({ kty: alg === 'ES256' ? 'EC' : 'RSA', kid: expect.any(String), alg, use: 'sig' });
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(Object.keys(key).sort()).toEqual(
        alg === 'ES256' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      );
    }
    expect(Object.keys(res.body)).toEqual(['keys']);
  });

  it('is cacheable: Cache-Control public with max-age = JWKS_MAX_AGE, a strong ETag, open CORS', async () => {
    const res = await h.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=120');
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    // The same document yields the same ETag.
    const again = await h.http.get('/.well-known/jwks.json').expect(200);
    expect(again.headers.etag).toBe(res.headers.etag);
  });

  it('answers 304 with no body on a matching If-None-Match (also weak, listed, or *), 200 otherwise', async () => {
    const { etag } = (await h.http.get('/.well-known/jwks.json').expect(200)).headers as { etag: string };
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await h.http.get('/.well-known/jwks.json').set('If-None-Match', header);
      expect(res.status).toBe(304);
      expect(res.text).toBe('');
      // RFC 9110 §15.4.5: a 304 carries the ETag and Cache-Control a 200 would have.
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('public, max-age=120');
    }
    const stale = await h.http.get('/.well-known/jwks.json').set('If-None-Match', '"not-the-current-etag"');
    expect(stale.status).toBe(200);
    expect(stale.body.keys.length).toBeGreaterThanOrEqual(1);
  });

  it('answers HEAD with the headers and no body, and other methods with 405', async () => {
    const head = await h.http.head('/.well-known/jwks.json');
    expect(head.status).toBe(200);
    expect(head.headers.etag).toMatch(/^"/);
    const post = await undescribed(h.http.post('/.well-known/jwks.json'));
    expect(post.status).toBe(405);
    expect(post.body.error).toBe('method_not_allowed');
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ISSUER: 'https://auth.example.com/', ALLOW_REGISTRATION: 'false' });
  });
  afterAll(() => h?.close());

  it('names the issuer exactly as tokens carry it, the JWKS, the algorithms and the endpoints', async () => {
    const res = await h.http.get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const metadata = res.body as Record<string, unknown>;
    // RFC 8414 §3.3: identical to the issuer identifier, which is the `iss` of every token.
    expect(metadata.issuer).toBe('https://auth.example.com');
    expect(metadata.issuer).toBe(h.config.issuer);
    expect(metadata.jwks_uri).toBe('https://auth.example.com/.well-known/jwks.json');
    expect(metadata.response_types_supported).toEqual([]); // required by RFC 8414 §2
    expect(metadata.access_token_signing_alg_values_supported).toEqual([...SIGNING_ALGS]);
    // Part 2: the standard endpoints for registered clients; the cookie endpoints stay latchkey_*.
    expect(metadata).toMatchObject({
      token_endpoint: 'https://auth.example.com/oauth/token',
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      grant_types_supported: ['client_credentials', 'refresh_token'],
      revocation_endpoint: 'https://auth.example.com/oauth/revoke',
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint: 'https://auth.example.com/oauth/introspect',
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: expect.any(Array),
    });
    expect(metadata.latchkey_refresh_endpoint).toBe('https://auth.example.com/auth/refresh');
    expect(metadata.latchkey_login_endpoint).toBe('https://auth.example.com/auth/login');
    expect(metadata.latchkey_userinfo_endpoint).toBe('https://auth.example.com/auth/me');
    // Registration is off here, so it is not advertised.
    expect(metadata).not.toHaveProperty('latchkey_registration_endpoint');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  });
});

// The documents' reads are answered ahead of the middleware stack (src/http/well-known-routes.ts):
// what that stack gives every other response must still be there.
describe('the public documents answered ahead of the middleware stack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ISSUER: 'https://auth.example.com' });
  });
  afterAll(() => h?.close());

  it('carry the same security headers as any other response, and echo X-Request-Id', async () => {
    const other = await h.http.get('/healthz');
    for (const path of ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server']) {
      const res = await h.http.get(path).set('X-Request-Id', 'doc-read-1');
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe('doc-read-1');
      for (const name of [
        'content-security-policy',
        'strict-transport-security',
        'x-content-type-options',
        'x-frame-options',
        'referrer-policy',
        'cross-origin-resource-policy',
      ]) {
        expect(res.headers[name], `${path} ${name}`).toBe(other.headers[name]);
      }
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('answer the same paths as Express routes do: any case, with or without a trailing slash', async () => {
    for (const path of ['/.well-known/jwks.json/', '/.WELL-KNOWN/JWKS.JSON', '/.well-known/oauth-authorization-server/']) {
      const res = await h.http.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('are counted in the request metrics by route and status, 304s included', async () => {
    const first = await h.http.get('/.well-known/jwks.json');
    await h.http.get('/.well-known/jwks.json').set('If-None-Match', first.headers.etag!);
    const metrics = (await h.admin.get('/metrics').set('Authorization', `Bearer ${h.config.adminToken}`)).text;
    expect(metrics).toMatch(/latchkey_http_requests_total\{method="GET",route="\/\.well-known\/jwks\.json",status="200"\} [1-9]/);
    expect(metrics).toMatch(/latchkey_http_requests_total\{method="GET",route="\/\.well-known\/jwks\.json",status="304"\} [1-9]/);
  });

  it('write the same request line as every other request (CONTRACT: one line per request)', async () => {
    await h.http.get('/.well-known/jwks.json?x=1').set('X-Request-Id', 'doc-read-2');
    const line = h.logs.records().find((r) => r.requestId === 'doc-read-2');
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'doc-read-2', method: 'GET', path: '/.well-known/jwks.json' },
      res: { statusCode: 200 },
    });
    await h.http.get('/healthz').set('X-Request-Id', 'other-read');
    const other = h.logs.records().find((r) => r.requestId === 'other-read')!;
    expect(Object.keys(line!).sort()).toEqual(Object.keys(other).sort());
  });
});
