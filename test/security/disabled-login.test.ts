import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { expectSameAnswer, interleavedMedians } from '../support/timing.js';

// A disabled account must not be an oracle either (OWASP Authentication Cheat Sheet,
// "Authentication and Error Messages"): with the right password it answers exactly as a wrong
// password does, after the same argon2 work (verify, then refuse). Real argon2 parameters,
// limits off, as in enumeration.test.ts.

let h: Harness;
let disabled: { id: string; email: string };
let enabled: { id: string; email: string };

beforeAll(async () => {
  h = await startHarness({ RATE_LIMIT: 'false' }, { realArgon2: true });
  disabled = await register(h.http);
  enabled = await register(h.http);
  await h.admin.post(`/admin/users/${disabled.id}/disable`).expect(200);
});
afterAll(() => h?.close());

const disabledRightPassword = () => h.http.post('/auth/login').send({ email: disabled.email, password: PASSWORD });
const enabledWrongPassword = () => h.http.post('/auth/login').send({ email: enabled.email, password: 'not the password' });

describe('login of a disabled account', () => {
  it('answers the right password exactly as a wrong password: status, body and headers', async () => {
    const refused = await disabledRightPassword();
    const wrong = await enabledWrongPassword();
    expect(refused.status).toBe(401);
    expectSameAnswer(refused, wrong);
  });

  it('takes a similar time as a wrong password (medians within 0.5–2×)', async () => {
    const [refused, wrong] = await interleavedMedians(
      15,
      () => disabledRightPassword().expect(401),
      () => enabledWrongPassword().expect(401),
    );
    const ratio = refused / wrong;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('still logs in an enabled user with the right password (control)', async () => {
    await h.http.post('/auth/login').send({ email: enabled.email, password: PASSWORD }).expect(200);
  });
});
