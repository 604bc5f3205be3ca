import { dictionary } from '@zxcvbn-ts/language-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../../src/users/register.js';
import { PASSWORD, refreshCookie, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { argon2Params } from './helpers.js';
import { undescribed } from '../support/openapi.js';

// POST /auth/register (CONTRACT.md "Public HTTP API" and "Passwords").

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { realArgon2: true });
});
afterAll(() => h?.close());

const userCount = () => h.database.db.prisma.user.count();
const registerWith = (body: unknown) => h.http.post('/auth/register').send(body as object);

/** A refused registration: 400 invalid_request naming `field`, and no row written. */
async function expectRefused(body: unknown, field: string) {
  const before = await userCount();
  const res = await registerWith(body);
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(new RegExp(`^${field}\\b`)) });
  expect(await userCount()).toBe(before);
  return res;
}

describe('POST /auth/register', () => {
  it('creates the account: 201 {id, email} with the email trimmed and lower-cased', async () => {
    const local = uniqueEmail('Mixed.Case');
    const res = await registerWith({ email: `  ${local.toUpperCase()} \t`, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: local.toLowerCase() });
    const row = await h.database.db.prisma.user.findUnique({ where: { id: res.body.id } });
    expect(row?.email).toBe(local.toLowerCase());
    expect(res.headers['cache-control']).toBe('no-store');
    expect(refreshCookie(res, h.config.refreshCookieName)).toBeUndefined(); // registration does not log in
  });

  it('stores an argon2id hash at no less than OWASP parameters (m ≥ 19456 KiB, t ≥ 2), never the password', async () => {
    const email = uniqueEmail();
    const res = await registerWith({ email, password: PASSWORD }).expect(201);
    const row = await h.database.db.prisma.user.findUniqueOrThrow({ where: { id: res.body.id } });
    const params = argon2Params(row.passwordHash);
    expect(params.m).toBeGreaterThanOrEqual(19_456);
    expect(params.t).toBeGreaterThanOrEqual(2);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });

  it('answers 409 email_taken for an existing email, also in another case or with spaces, and writes nothing', async () => {
    const email = uniqueEmail('taken');
    await registerWith({ email, password: PASSWORD }).expect(201);
    const before = await userCount();
    for (const variant of [email, email.toUpperCase(), ` ${email} `]) {
      const res = await registerWith({ email: variant, password: 'another fine passphrase' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: 'email_taken', error_description: expect.any(String) });
    }
    expect(await userCount()).toBe(before);
  });

  it('lets exactly one of several simultaneous registrations of one email win; the others get 409', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      ['', ' ', '  '].map((pad, i) =>
        registerWith({ email: `${pad}${i % 2 ? email.toUpperCase() : email}`, password: PASSWORD }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await h.database.db.prisma.user.count({ where: { email } })).toBe(1);
  });

  it('refuses a missing or wrongly typed field with 400 naming it', async () => {
    await expectRefused({ password: PASSWORD }, 'email');
    await expectRefused({ email: uniqueEmail() }, 'password');
    await expectRefused({ email: 42, password: PASSWORD }, 'email');
    await expectRefused({ email: uniqueEmail(), password: 12345678 }, 'password');
    await expectRefused({ email: uniqueEmail(), password: null }, 'password');
    await expectRefused({ email: [uniqueEmail()], password: PASSWORD }, 'email');
  });

  it('refuses a body that is not an object, and unknown fields', async () => {
    const before = await userCount();
    const array = await h.http.post('/auth/register').set('Content-Type', 'application/json').send('[]');
    expect(array.status).toBe(400);
    expect(array.body.error).toBe('invalid_request');
    await expectRefused({ email: uniqueEmail(), password: PASSWORD, admin: true }, 'admin');
    expect(await userCount()).toBe(before);
  });

  it('refuses malformed emails and emails over 254 characters, naming email', async () => {
    for (const email of ['not-an-email', 'a@', '@example.com', 'two@@example.com', 'sp ace@example.com', '']) {
      await expectRefused({ email, password: PASSWORD }, 'email');
    }
    // 254 characters is the limit (RFC 5321 §4.5.3.1.3 path length minus the angle brackets).
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(57)}.com`;
    const longest = `${'x'.repeat(64)}@${domain}`;
    expect(longest).toHaveLength(254);
    await registerWith({ email: longest, password: PASSWORD }).expect(201);
    await expectRefused({ email: `y${longest}`, password: PASSWORD }, 'email');
  });

  it('refuses passwords shorter than 8 or longer than 128 characters, counted after NFKC', async () => {
    await expectRefused({ email: uniqueEmail(), password: 'short12' }, 'password');
    await expectRefused({ email: uniqueEmail(), password: 'p'.repeat(129) }, 'password');
    await registerWith({ email: uniqueEmail(), password: 'q'.repeat(128) }).expect(201);
    await registerWith({ email: uniqueEmail(), password: 'passphr8' }).expect(201);
    // U+FDFA is one code point that NFKC expands to 18: 8 of them are 144 characters.
    await expectRefused({ email: uniqueEmail(), password: '\uFDFA'.repeat(8) }, 'password');
    // 65 × (e + combining acute) is 130 code points as sent but 65 once NFKC composes them.
    await registerWith({ email: uniqueEmail(), password: 'e\u0301'.repeat(65) }).expect(201);
    // Length is counted in characters, not UTF-16 units: 8 emoji are 8 characters.
    await registerWith({ email: uniqueEmail(), password: '🔑'.repeat(8) }).expect(201);
    await expectRefused({ email: uniqueEmail(), password: '🔑'.repeat(7) }, 'password');
  });

  it('refuses a password from the bundled common-password list (any case), naming password', async () => {
    const common = dictionary['passwords-common'].find((p) => p.length >= 8 && /^[a-z]+$/.test(p))!;
    expect(common).toBeDefined();
    const res = await expectRefused({ email: uniqueEmail(), password: common }, 'password');
    expect(res.body.error_description).toMatch(/common/);
    await expectRefused({ email: uniqueEmail(), password: common.toUpperCase() }, 'password');
  });

  it('NFKC-normalises the password, so a composed registration logs in with the decomposed form', async () => {
    const email = uniqueEmail('nfkc');
    const composed = 'Caf\u00e9 au lait, s\u2019il vous pla\u00eet';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    await registerWith({ email, password: composed }).expect(201);
    await h.http.post('/auth/login').send({ email, password: decomposed }).expect(200);
    // Compatibility forms too: full-width letters are the same password as ASCII ones.
    const wide = uniqueEmail('nfkc-wide');
    await registerWith({ email: wide, password: '\uFF4C\uFF41\uFF54\uFF43\uFF48\uFF4B\uFF45\uFF59\uFF21\uFF22' }).expect(201);
    await h.http.post('/auth/login').send({ email: wide, password: 'latchkeyAB' }).expect(200);
    await h.http.post('/auth/login').send({ email: wide, password: 'latchkeyab' }).expect(401);
  });
});

describe('POST /auth/register with ALLOW_REGISTRATION=false', () => {
  let off: Harness;
  beforeAll(async () => {
    off = await startHarness({ ALLOW_REGISTRATION: 'false' });
  });
  afterAll(() => off?.close());

  it('answers 404 not_found and creates nothing', async () => {
    const res = await undescribed(off.http.post('/auth/register')).send({ email: uniqueEmail(), password: PASSWORD });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: expect.any(String) });
    expect(await off.database.db.prisma.user.count()).toBe(0);
  });

  it('answers 404 whatever the method or body, so the route does not exist at all', async () => {
    // Registration is off: the path is not in this server's description either.
    const text = await undescribed(off.http.post('/auth/register')).set('Content-Type', 'text/plain').send('hello');
    const malformed = await undescribed(off.http.post('/auth/register')).set('Content-Type', 'application/json').send('{');
    const get = await undescribed(off.http.get('/auth/register'));
    for (const res of [text, malformed, get]) {
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
  });

  it('leaves login working for accounts created another way', async () => {
    const email = uniqueEmail('admin-made');
    await registerUser(off.services, { email, password: PASSWORD }, { ip: null, userAgent: null, requestId: null });
    await off.http.post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  });
});
