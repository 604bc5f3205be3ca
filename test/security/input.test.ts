import { gzipSync } from 'node:zlib';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, refresh, register, registerAndLogin, setCookies, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// Hostile input at the edge (OWASP Input Validation Cheat Sheet; OWASP ASVS 5.1): every case is a
// clear 4xx with the contract's JSON error, never a 500, and nothing is written. Rate limits
// stay on (as in production); this file makes far fewer requests than they allow.

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Row counts a refused request must not change (rate-limit counters are allowed to move). */
async function counts() {
  const { prisma } = h.database.db;
  const [users, sessions, refreshTokens, securityEvents] = await Promise.all([
    prisma.user.count(),
    prisma.session.count(),
    prisma.refreshToken.count(),
    prisma.securityEvent.count(),
  ]);
  return { users, sessions, refreshTokens, securityEvents };
}

/** Runs the request and asserts the JSON error, and that no user, session, token or event was written. */
async function refused(request: () => PromiseLike<Response>, status: number, error: string, description?: RegExp) {
  const before = await counts();
  const res = await request();
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  if (description) expect(res.body.error_description).toMatch(description);
  expect(await counts()).toEqual(before);
  return res;
}

const ROUTES = ['/auth/register', '/auth/login'] as const;
const post = (route: string) => h.http.post(route);
const rawJson = (route: string, body: string) => post(route).set('Content-Type', 'application/json').send(body);

describe.each(ROUTES)('%s: body size and media type', (route) => {
  it('refuses a body over the 8 KiB limit with 413 payload_too_large', async () => {
    const body = JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(9 * 1024) });
    await refused(() => rawJson(route, body), 413, 'payload_too_large');
  });

  it('refuses a gzip body that inflates past the limit with 413 (no decompression bomb)', async () => {
    const body = gzipSync(JSON.stringify({ email: uniqueEmail(), password: 'a'.repeat(64 * 1024) }));
    expect(body.length).toBeLessThan(1024);
    await refused(
      () =>
        post(route)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .serialize((raw: Buffer) => raw as unknown as string) // send the gzip bytes as they are
          .send(body),
      413,
      'payload_too_large',
    );
  });

  it('refuses text/plain (what a cross-site form or no-cors fetch can send) with 415', async () => {
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD });
    await refused(() => post(route).set('Content-Type', 'text/plain').send(body), 415, 'unsupported_media_type');
  });

  it('refuses a form-encoded body with 415', async () => {
    await refused(
      () => post(route).type('form').send({ email: uniqueEmail(), password: PASSWORD }),
      415,
      'unsupported_media_type',
    );
  });

  it('refuses multipart/form-data with 415', async () => {
    await refused(() => post(route).field('email', uniqueEmail()).field('password', PASSWORD), 415, 'unsupported_media_type');
  });

  it('refuses a body without a Content-Type with 415', async () => {
    const body = Buffer.from(JSON.stringify({ email: uniqueEmail(), password: PASSWORD }));
    await refused(() => post(route).unset('Content-Type').send(body), 415, 'unsupported_media_type');
  });

  it('refuses an empty body with 415', async () => {
    await refused(() => post(route), 415, 'unsupported_media_type');
  });

  it.each(['utf-7', 'iso-8859-1', 'utf-16le'])(
    'refuses a JSON body declared as charset=%s with 415 (RFC 8259: UTF-8 only)',
    async (charset) => {
      const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD });
      await refused(
        () => post(route).set('Content-Type', `application/json; charset=${charset}`).send(body),
        415,
        'unsupported_media_type',
      );
    },
  );
});

describe.each(ROUTES)('%s: JSON that is not {email, password}', (route) => {
  it('refuses malformed JSON with 400 invalid_request', async () => {
    await refused(() => rawJson(route, '{"email": "a@example.com", "password": '), 400, 'invalid_request', /JSON/);
  });

  it.each([
    ['an array', '[{"email":"a@example.com","password":"correct horse battery staple"}]'],
    ['a string', '"a@example.com"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
  ])('refuses a top-level %s with 400 invalid_request', async (_what, body) => {
    await refused(() => rawJson(route, body), 400, 'invalid_request');
  });

  it('names email when it is missing', async () => {
    await refused(() => post(route).send({ password: PASSWORD }), 400, 'invalid_request', /^email: is required/);
  });

  it('names email when it is a number', async () => {
    await refused(() => post(route).send({ email: 42, password: PASSWORD }), 400, 'invalid_request', /^email: must be a string/);
  });

  it('names password when it is an object', async () => {
    await refused(
      () => post(route).send({ email: uniqueEmail(), password: { $ne: null } }),
      400,
      'invalid_request',
      /^password: must be a string/,
    );
  });

  it('names password when it is an array of strings', async () => {
    await refused(
      () => post(route).send({ email: uniqueEmail(), password: [PASSWORD] }),
      400,
      'invalid_request',
      /^password: must be a string/,
    );
  });

  it('names email when it is null', async () => {
    await refused(() => post(route).send({ email: null, password: PASSWORD }), 400, 'invalid_request', /^email: /);
  });

  it('names email when it contains a NUL byte', async () => {
    await refused(
      () => post(route).send({ email: `victim@example.com\u0000${uniqueEmail()}`, password: PASSWORD }),
      400,
      'invalid_request',
      /^email: must be an email address/,
    );
  });

  it('names email when it is a 7 KB string (under the body limit, over 254 characters)', async () => {
    await refused(
      () => post(route).send({ email: `${'a'.repeat(7 * 1024)}@example.com`, password: PASSWORD }),
      400,
      'invalid_request',
      /^email: must be at most 254 characters/,
    );
  });

  it('names password when it is a 7 KB string', async () => {
    await refused(
      () => post(route).send({ email: uniqueEmail(), password: 'p'.repeat(7 * 1024) }),
      400,
      'invalid_request',
      /^password: is too long/,
    );
  });

  it('refuses 10 KB strings with 413 before parsing them', async () => {
    await refused(
      () => post(route).send({ email: `${'a'.repeat(10 * 1024)}@example.com`, password: 'p'.repeat(10 * 1024) }),
      413,
      'payload_too_large',
    );
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key by name and leaves Object.prototype unpolluted',
    async (key) => {
      const body = `{"email":"${uniqueEmail()}","password":"${PASSWORD}","${key}":{"polluted":true,"isAdmin":true}}`;
      await refused(() => rawJson(route, body), 400, 'invalid_request', new RegExp(`^${key}: not an accepted field`));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    },
  );

  it('refuses a __proto__ key nested inside a field', async () => {
    const body = `{"email":"${uniqueEmail()}","password":{"__proto__":{"polluted":true}}}`;
    await refused(() => rawJson(route, body), 400, 'invalid_request', /^password: must be a string/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an unknown extra field by name', async () => {
    await refused(
      () => post(route).send({ email: uniqueEmail(), password: PASSWORD, role: 'admin' }),
      400,
      'invalid_request',
      /^role: not an accepted field/,
    );
  });
});

describe('passwords with NUL bytes', () => {
  it('register refuses a password containing NUL with 400 naming password', async () => {
    await refused(
      () => post('/auth/register').send({ email: uniqueEmail(), password: 'correct horse\u0000battery staple' }),
      400,
      'invalid_request',
      /^password: must not contain NUL/,
    );
  });

  it('login treats a password that differs only after a NUL byte as wrong (no C-string truncation)', async () => {
    const user = await register(h.http);
    const before = await counts();
    const res = await post('/auth/login').send({ email: user.email, password: `${PASSWORD}\u0000anything` });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_credentials', error_description: expect.any(String) });
    expect(setCookies(res)).toEqual([]);
    const after = await counts();
    expect(after).toEqual({ ...before, securityEvents: before.securityEvents + 1 }); // login_failed only
  });
});

describe('unicode normalisation (NFKC) and email canonicalisation', () => {
  it('lets a password registered in full-width characters log in with its ASCII form, and vice versa', async () => {
    const fullWidth = 'ｍｙ ｌｏｎｇ ｐａｓｓｐｈｒａｓｅ ４２';
    const ascii = 'my long passphrase 42';
    expect(fullWidth.normalize('NFKC')).toBe(ascii);
    const first = await register(h.http, uniqueEmail('fullwidth'), fullWidth);
    await post('/auth/login').send({ email: first.email, password: ascii }).expect(200);
    const second = await register(h.http, uniqueEmail('ascii'), ascii);
    await post('/auth/login').send({ email: second.email, password: fullWidth }).expect(200);
  });

  it('treats a ligature and a decomposed accent as their NFKC forms', async () => {
    const stored = 'ﬁnal café passphrase'; // U+FB01 ligature, precomposed é
    const typed = 'final cafe\u0301 passphrase'; // plain "fi", e + combining acute
    const user = await register(h.http, uniqueEmail('nfkc'), stored);
    await post('/auth/login').send({ email: user.email, password: typed }).expect(200);
    await post('/auth/login').send({ email: user.email, password: 'final cafe passphrase' }).expect(401);
  });

  it('counts password length after NFKC, in code points', async () => {
    // Seven full-width characters are seven after NFKC: too short.
    await refused(
      () => post('/auth/register').send({ email: uniqueEmail(), password: 'ｚｑｘｖｂｎｍ' }),
      400,
      'invalid_request',
      /^password: must be at least 8 characters/,
    );
    // Eight emoji are 16 UTF-16 units but eight characters: long enough.
    await post('/auth/register').send({ email: uniqueEmail(), password: '🦊🐙🦉🐝🦀🐢🦔🐬' }).expect(201);
  });

  it('trims and lower-cases emails: the same account whatever the case and surrounding spaces', async () => {
    const local = uniqueEmail('Case').split('@')[0]!;
    const res = await post('/auth/register')
      .send({ email: `  ${local.toUpperCase()}@Example.COM \t`, password: PASSWORD })
      .expect(201);
    expect(res.body.email).toBe(`${local.toLowerCase()}@example.com`);
    await post('/auth/login')
      .send({ email: `${local}@EXAMPLE.com`, password: PASSWORD })
      .expect(200);
    await refused(
      () => post('/auth/register').send({ email: ` ${local.toLowerCase()}@example.com`, password: PASSWORD }),
      409,
      'email_taken',
    );
  });

  it('refuses a full-width email rather than creating a look-alike account', async () => {
    await refused(
      () => post('/auth/register').send({ email: 'ａｄａ@example.com', password: PASSWORD }),
      400,
      'invalid_request',
      /^email: must be an email address/,
    );
  });
});

describe('/auth/refresh: hostile refresh cookies', () => {
  const name = () => h.config.refreshCookieName;
  const withCookie = (value: string) => h.http.post('/auth/refresh').set('Cookie', `${name()}=${value}`);

  it.each([
    ['garbage', 'not-a-token'],
    ['a token one character short', 'A'.repeat(42)],
    ['a well-formed but unknown token', 'A'.repeat(43)],
    ['a URL-encoded NUL', `${'A'.repeat(21)}%00${'A'.repeat(21)}`],
    ['a cookie-parser JSON cookie', 'j%3A%7B%22%24ne%22%3Anull%7D'],
    ['broken percent-encoding', '%E0%A4%A'],
    ['an 8 KB value', 'A'.repeat(8 * 1024)],
  ])('refuses %s with 401 invalid_grant and clears the cookie', async (_what, value) => {
    const res = await refused(() => withCookie(value), 401, 'invalid_grant');
    const cleared = setCookies(res).find((c) => c.name === name());
    expect(cleared?.attributes['max-age']).toBe('0');
  });

  it('does not touch an existing session when a garbage cookie sits next to it', async () => {
    const user = await registerAndLogin(h);
    await refused(() => withCookie(`${user.refreshToken}x`), 401, 'invalid_grant');
    await refresh(h, user.refreshToken).expect(200);
  });

  it('refuses a garbage JSON body on refresh with 400 and leaves the session usable', async () => {
    const user = await registerAndLogin(h);
    await refused(
      () => refresh(h, user.refreshToken).set('Content-Type', 'application/json').send('{"oops"'),
      400,
      'invalid_request',
    );
    await refresh(h, user.refreshToken).expect(200);
  });
});
