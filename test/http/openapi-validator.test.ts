import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { adminApiDocument, publicApiDocument } from '../../src/http/openapi/document.js';
import { OpenApiValidator } from '../support/openapi.js';

// The response check the harness applies to every test (test/support/openapi.ts) must be able
// to fail: each departure from the description is named.

const config = loadConfig({});
const pub = OpenApiValidator.for(publicApiDocument(config));
const admin = OpenApiValidator.for(adminApiDocument(config));
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const error = (code: string) => ({ error: code, error_description: 'why' });
const res = (status: number, body: unknown, headers: Record<string, string> = JSON_TYPE) => ({
  status,
  headers,
  body,
  text: body === undefined ? '' : JSON.stringify(body),
});

describe('the OpenAPI response check', () => {
  it('passes a response that matches its description, whatever the case or trailing slash of the path', () => {
    const tokens = { access_token: 'eyJ.x.y', token_type: 'Bearer', expires_in: 600 };
    const headers = { ...JSON_TYPE, 'cache-control': 'no-store', 'set-cookie': 'lk_rt=x' };
    expect(pub.problems('post', '/auth/login', res(200, tokens, headers))).toEqual([]);
    expect(pub.problems('post', '/AUTH/Login/', res(200, tokens, headers))).toEqual([]);
  });

  it('fails an undescribed path, method or status', () => {
    expect(pub.problems('get', '/auth/nope', res(404, error('not_found')))).toEqual([expect.stringMatching(/not described/)]);
    expect(pub.problems('delete', '/auth/login', res(405, error('method_not_allowed')))).toEqual([
      expect.stringMatching(/DELETE \/auth\/login is not described/),
    ]);
    expect(pub.problems('get', '/auth/me', res(409, error('email_taken')))).toEqual([expect.stringMatching(/status 409/)]);
  });

  it('fails a body that does not match: an extra member, a wrong error code, a missing member', () => {
    const me = {
      id: '3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a',
      email: 'a@example.com',
      createdAt: '2026-11-30T00:00:00.000Z',
      roles: [],
      permissions: [],
    };
    const ok = { ...JSON_TYPE, 'cache-control': 'no-store' };
    expect(pub.problems('get', '/auth/me', res(200, me, ok))).toEqual([]);
    expect(pub.problems('get', '/auth/me', res(200, { ...me, passwordHash: 'x' }, ok))).toEqual([
      expect.stringMatching(/additional/),
    ]);
    expect(
      pub.problems('get', '/auth/me', res(401, error('invalid_grant'), { ...JSON_TYPE, 'www-authenticate': 'Bearer' })),
    ).toEqual([expect.stringMatching(/equal to constant/)]);
    expect(admin.problems('get', '/admin/keys', res(200, { keys: [{ kid: 'k' }] }))).toEqual([expect.stringMatching(/required/)]);
  });

  it('fails a missing required header, a wrong media type, and a body where none is described', () => {
    expect(pub.problems('get', '/auth/me', res(401, error('invalid_token')))).toEqual(['header WWW-Authenticate is required']);
    expect(pub.problems('get', '/healthz', res(200, 'ok', { 'content-type': 'text/plain' }))).toEqual([
      expect.stringMatching(/Content-Type text\/plain is not described/),
    ]);
    expect(
      pub.problems('post', '/auth/logout', res(204, { done: true }, { ...JSON_TYPE, 'set-cookie': 'lk_rt=; Max-Age=0' })),
    ).toEqual([expect.stringMatching(/no body is described/)]);
  });

  it('checks HEAD against GET, without a body', () => {
    const jwksHeaders = { 'cache-control': 'public, max-age=300', etag: '"abc"' };
    expect(pub.problems('head', '/.well-known/jwks.json', { status: 200, headers: jwksHeaders, body: {}, text: '' })).toEqual([]);
    expect(pub.problems('head', '/.well-known/jwks.json', { status: 200, headers: {}, body: {}, text: '' })).toEqual([
      'header Cache-Control is required',
      'header ETag is required',
    ]);
  });
});
