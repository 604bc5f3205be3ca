import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { PASSWORD, newIp, register } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// Guesses sent all at once must not outrun the lockout (SECURITY.md "Credential stuffing"):
// the attempt is consumed before the password is checked (src/limits/attempt-guard.ts), so of
// N simultaneous guesses only those under the limit are ever verified. The hasher is wrapped to
// count verifications and to hold them until every request has either reached verification or
// been answered: the worst interleaving, every time (with a check-then-count guard, all N reach
// verification together).

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: 'loopback' });
});
afterAll(async () => {
  await h?.close();
});

interface Held {
  /** Resolves once `count` requests have each either reached verification or been answered. */
  settled(count: number): Promise<void>;
  answered(): void;
  release(): void;
  verified(): number;
}

function holdVerifications(): Held {
  const hasher = h.services.hasher;
  const verify = hasher.verify.bind(hasher);
  const verifyDummy = hasher.verifyDummy.bind(hasher);
  let waiting = 0;
  let answered = 0;
  let verified = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const watchers: { count: number; resolve: () => void }[] = [];
  const check = () => watchers.filter((w) => waiting + answered >= w.count).forEach((w) => w.resolve());
  const held =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      waiting++;
      check();
      await gate;
      verified++;
      return fn(...args);
    };
  hasher.verify = held(verify);
  hasher.verifyDummy = held(verifyDummy);
  return {
    settled: (count) => new Promise<void>((resolve) => (watchers.push({ count, resolve }), check())),
    answered: () => (answered++, check()),
    release: () => {
      open();
      hasher.verify = verify;
      hasher.verifyDummy = verifyDummy;
    },
    verified: () => verified,
  };
}

const login = (email: string, password: string, ip: string) =>
  h.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });

describe('simultaneous guesses', () => {
  it('40 at once from one IP at one account: at most 5 are verified, and the right password sent last is refused', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    const held = holdVerifications();
    try {
      const wrong = Array.from({ length: 39 }, () => login(email, 'wrong password!', ip).then((r) => (held.answered(), r)));
      await held.settled(39); // every wrong guess is being verified or was refused
      const right = login(email, PASSWORD, ip).then((r) => (held.answered(), r));
      await held.settled(40);
      held.release();
      const answers: Response[] = await Promise.all([...wrong, right]);
      expect(held.verified()).toBeLessThanOrEqual(5);
      const last = answers.at(-1)!;
      expect(last.status).toBe(429);
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect(answers.filter((r) => r.status === 401)).toHaveLength(held.verified());
      expect(answers.filter((r) => r.status === 429)).toHaveLength(40 - held.verified());
    } finally {
      held.release();
    }
    // The lock stands afterwards too, with the right password.
    await login(email, PASSWORD, ip).expect(429);
    await login(email, PASSWORD, newIp()).expect(200);
  });

  it('20 IPs x 5 guesses at once at one account: at most the 50-failure ceiling is verified', async () => {
    const { email } = await register(h.http);
    const held = holdVerifications();
    let answers: Response[];
    try {
      const ips = Array.from({ length: 20 }, newIp);
      const guesses = ips.flatMap((ip) =>
        Array.from({ length: 5 }, () => login(email, 'wrong password!', ip).then((r) => (held.answered(), r))),
      );
      await held.settled(100);
      held.release();
      answers = await Promise.all(guesses);
    } finally {
      held.release();
    }
    expect(held.verified()).toBeLessThanOrEqual(50);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(held.verified());
    expect(answers.filter((r) => r.status === 429)).toHaveLength(100 - held.verified());
  });

  it('a successful login gives its attempt back: the owner is never counted as a guesser', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    for (let i = 0; i < 12; i++) await login(email, PASSWORD, ip).expect(200);
    for (let i = 0; i < 4; i++) await login(email, 'wrong password!', ip).expect(401);
    await login(email, PASSWORD, ip).expect(200);
  });
});
