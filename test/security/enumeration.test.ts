import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { expectSameAnswer, interleavedMedians } from '../support/timing.js';

// OWASP Authentication Cheat Sheet, "Authentication and Error Messages": an unknown email and
// a wrong password must be indistinguishable by status, body and time. Limits are off here so
// that the repeated failures measure login itself, not the lockout.

let h: Harness;
let email: string;

beforeAll(async () => {
  h = await startHarness({ RATE_LIMIT: 'false' }, { realArgon2: true });
  ({ email } = await register(h.http));
});
afterAll(() => h?.close());

const attempt = (address: string) => h.http.post('/auth/login').send({ email: address, password: 'not the password' });

describe('login does not tell whether an account exists', () => {
  it('answers an unknown email and a wrong password with the same status and byte-identical body', async () => {
    const wrongPassword = await attempt(email);
    const unknownEmail = await attempt(uniqueEmail('nobody'));
    expect(wrongPassword.status).toBe(401);
    expectSameAnswer(unknownEmail, wrongPassword);
  });

  it('takes a similar time for an unknown email and a wrong password (medians within 0.5–2×)', async () => {
    const [known, unknown] = await interleavedMedians(
      15,
      () => attempt(email).expect(401),
      () => attempt(uniqueEmail('nobody')).expect(401),
    );
    const ratio = unknown / known;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('also runs the full argon2 work for an over-long password on an unknown email', async () => {
    const long = 'x'.repeat(1000);
    const longAttempt = (address: string) => h.http.post('/auth/login').send({ email: address, password: long }).expect(401);
    const [known, unknown] = await interleavedMedians(
      7,
      () => longAttempt(email),
      () => longAttempt(uniqueEmail('nobody')),
    );
    const ratio = unknown / known;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('still logs in the real user with the real password (control)', async () => {
    await h.http.post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  });
});

describe('registration does not become an enumeration oracle', () => {
  it('answers email_taken for an existing email, and counts those answers per IP (see brute-force.test.ts)', async () => {
    const res = await h.http.post('/auth/register').send({ email, password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('email_taken');
  });
});
