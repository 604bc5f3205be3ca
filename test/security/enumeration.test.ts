import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

describe('login does not tell whether an account exists', () => {
  it('answers an unknown email and a wrong password with the same status and byte-identical body', async () => {
    const wrongPassword = await attempt(email);
    const unknownEmail = await attempt(uniqueEmail('nobody'));
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(unknownEmail.text).toBe(wrongPassword.text);
    expect(unknownEmail.headers['content-type']).toBe(wrongPassword.headers['content-type']);
    expect(unknownEmail.headers['www-authenticate']).toBe(wrongPassword.headers['www-authenticate']);
    expect(unknownEmail.headers['set-cookie']).toBe(wrongPassword.headers['set-cookie']);
  });

  it('takes a similar time for an unknown email and a wrong password (medians within 0.5–2×)', async () => {
    const timings = { known: [] as number[], unknown: [] as number[] };
    // Interleaved, so drift in machine load hits both sides alike.
    for (let i = 0; i < 15; i++) {
      for (const side of ['known', 'unknown'] as const) {
        const started = performance.now();
        const res = await attempt(side === 'known' ? email : uniqueEmail('nobody'));
        timings[side].push(performance.now() - started);
        expect(res.status).toBe(401);
      }
    }
    const ratio = median(timings.unknown) / median(timings.known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('also runs the full argon2 work for an over-long password on an unknown email', async () => {
    const long = 'x'.repeat(1000);
    const timings = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 7; i++) {
      for (const side of ['known', 'unknown'] as const) {
        const started = performance.now();
        await h.http
          .post('/auth/login')
          .send({ email: side === 'known' ? email : uniqueEmail('nobody'), password: long })
          .expect(401);
        timings[side].push(performance.now() - started);
      }
    }
    const ratio = median(timings.unknown) / median(timings.known);
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
