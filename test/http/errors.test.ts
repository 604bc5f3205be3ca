import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// CONTRACT.md "Errors": every failure is JSON {"error","error_description"} with the table's
// status; never an HTML page, never a stack trace.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** The contract's error shape, JSON content type, nothing HTML, no stack frames. */
function expectContractError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8$/);
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  expect(Object.keys(res.body)).toEqual(['error', 'error_description']);
  expect(res.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  expect(res.text).not.toMatch(/\bat \S+ \(|\bat .*:\d+:\d+|node_modules|\/src\//);
}

describe('unknown routes and methods', () => {
  it('answers 404 not_found as JSON for unknown paths, even when HTML is preferred', async () => {
    for (const path of ['/', '/nope', '/auth', '/auth/nope', '/.well-known/openid-configuration', '/admin/users', '/metrics']) {
      expectContractError(await undescribed(h.http.get(path)).set('Accept', 'text/html'), 404, 'not_found');
    }
    expectContractError(await undescribed(h.http.post('/auth/unknown')).send({}), 404, 'not_found');
  });

  it('answers 405 method_not_allowed with an Allow header for a known path (RFC 9110 §15.5.6)', async () => {
    const cases: [method: 'get' | 'put' | 'delete' | 'patch' | 'post', path: string, allow: string][] = [
      ['get', '/auth/login', 'POST'],
      ['get', '/auth/register', 'POST'],
      ['put', '/auth/refresh', 'POST'],
      ['get', '/auth/logout', 'POST'],
      ['delete', '/auth/logout-all', 'POST'],
      ['post', '/auth/me', 'GET, HEAD'],
      ['patch', '/.well-known/oauth-authorization-server', 'GET, HEAD'],
      ['delete', '/.well-known/jwks.json', 'GET, HEAD'],
      ['post', '/healthz', 'GET, HEAD'],
      ['put', '/readyz', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await undescribed(h.http[method](path));
      expectContractError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
    }
  });
});

describe('request bodies', () => {
  it('answers 413 payload_too_large for a body over 8 KiB, without reading it as credentials', async () => {
    const user = await register(h.http);
    const body = JSON.stringify({ email: user.email, password: PASSWORD, pad: 'x'.repeat(9 * 1024) });
    for (const path of ['/auth/login', '/auth/register', '/auth/refresh', '/auth/logout']) {
      const res = await h.http.post(path).set('Content-Type', 'application/json').send(body);
      expectContractError(res, 413, 'payload_too_large');
    }
    // Just under the limit is read (and refused for its unknown field, not its size).
    const small = JSON.stringify({ email: user.email, password: PASSWORD, pad: 'x'.repeat(7 * 1024) });
    expectContractError(
      await h.http.post('/auth/login').set('Content-Type', 'application/json').send(small),
      400,
      'invalid_request',
    );
  });

  it('answers 415 unsupported_media_type for a body that is not application/json', async () => {
    const user = await register(h.http);
    const form = await h.http.post('/auth/login').type('form').send({ email: user.email, password: PASSWORD });
    expectContractError(form, 415, 'unsupported_media_type');
    const text = await h.http
      .post('/auth/login')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ email: user.email, password: PASSWORD }));
    expectContractError(text, 415, 'unsupported_media_type');
    const none = await h.http.post('/auth/register').set('Content-Type', 'application/xml').send('<user/>');
    expectContractError(none, 415, 'unsupported_media_type');
    // application/json with a charset parameter is JSON.
    await h.http
      .post('/auth/login')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ email: user.email, password: PASSWORD }))
      .expect(200);
  });

  it('answers 400 invalid_request for malformed JSON and for JSON that is not an object', async () => {
    for (const body of ['{"email": "a@example.com",', '{email: 1}', 'null', '"text"', '42', '[1,2]']) {
      const res = await h.http.post('/auth/login').set('Content-Type', 'application/json').send(body);
      expectContractError(res, 400, 'invalid_request');
    }
  });

  it('answers login and register without any body with a contract error, not a crash', async () => {
    const res = await h.http.post('/auth/login');
    expect([400, 415]).toContain(res.status);
    expectContractError(res, res.status, res.status === 415 ? 'unsupported_media_type' : 'invalid_request');
  });
});

describe('unexpected failures', () => {
  it('answers 500 server_error with no detail, logs it with the request id', async () => {
    const user = await registerAndLogin(h);
    const sessions = h.services.store.sessions;
    const original = sessions.findSession.bind(sessions);
    sessions.findSession = () => Promise.reject(new Error('connection reset by a very specific peer'));
    let res: Response;
    try {
      res = await h.http.get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).set('X-Request-Id', 'boom-1');
    } finally {
      sessions.findSession = original;
    }
    expectContractError(res, 500, 'server_error');
    expect(res.text).not.toContain('very specific peer');
    const logged = h.logs.records().find((r) => r.msg === 'unhandled error');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('very specific peer');
    expect(h.logs.text).toContain('boom-1');
  });
});
