import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CounterBackend, MemoryCounters } from '../../src/limits/counters.js';
import { createLimits } from '../../src/limits/limits.js';
import { LIMIT_POLICY } from '../../src/limits/policy.js';
import type { RateLimitStore } from '../../src/store/rate-limits.js';
import { FakeClock } from '../support/clock.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { refresh, register, registerAndLogin } from '../support/auth.js';

// Where each limit counts (src/limits/limits.ts): floods in this instance's memory, brute force
// in the shared counters. Small policies keep the loops short.

const policy = { ...LIMIT_POLICY, refreshPerIp: { points: 3, duration: 60 }, loginPerIp: { points: 3, duration: 60 } };

/** The shared counters as the limits see them, recording which counters were written. */
function sharedCounters() {
  const memory = new MemoryCounters();
  const written: string[] = [];
  const wrote = (key: string) => written.push(key.split(':')[0] ?? key); // the limiter's name
  const shared: CounterBackend = {
    add: (key, points, expire, now, replace) => {
      wrote(key);
      return memory.add(key, points, expire, now, replace);
    },
    addChained: (first, second, secondIfAtMost, now) => {
      [first, second].forEach((w) => wrote(w.key));
      return memory.addChained(first, second, secondIfAtMost, now);
    },
    addAll: (writes, now) => {
      writes.forEach((w) => wrote(w.key));
      return memory.addAll(writes, now);
    },
    get: (key, now) => memory.get(key, now),
    delete: (key) => memory.delete(key),
    deleteExpired: (before) => memory.deleteExpired(before),
  };
  return { shared: shared as unknown as RateLimitStore, written };
}

describe('flood limits (per IP, in memory)', () => {
  it('refuse past the limit with the seconds until the window ends, per IP, and never touch the shared counters', async () => {
    const clock = new FakeClock();
    const { shared, written } = sharedCounters();
    const limits = createLimits({ enabled: true, shared, clock, policy });
    for (let i = 0; i < 3; i++) expect(await limits.refreshPerIp.hit('192.0.2.1')).toBeUndefined();
    clock.advance(20);
    expect(await limits.refreshPerIp.hit('192.0.2.1')).toEqual({ limiter: 'refresh_ip', retryAfter: 40 });
    expect(await limits.refreshPerIp.hit('192.0.2.2')).toBeUndefined();
    clock.advance(40);
    expect(await limits.refreshPerIp.hit('192.0.2.1')).toBeUndefined();
    expect(written).toEqual([]);

    // The brute-force guard still counts in the shared counters.
    await limits.loginAttempts.admit({ subject: 'someone@example.com', ip: '192.0.2.1' });
    expect(written).toContain('login_pair');
  });

  it('count separately on each instance: N instances allow N times the per-IP rate', async () => {
    const clock = new FakeClock();
    const { shared } = sharedCounters();
    const [a, b] = [
      createLimits({ enabled: true, shared, clock, policy }),
      createLimits({ enabled: true, shared, clock, policy }),
    ];
    for (let i = 0; i < 3; i++) await a.loginPerIp.hit('192.0.2.9');
    expect(await a.loginPerIp.hit('192.0.2.9')).toMatchObject({ limiter: 'login_ip' });
    expect(await b.loginPerIp.hit('192.0.2.9')).toBeUndefined();
  });

  it('are swept by housekeeping once their window has ended', async () => {
    const clock = new FakeClock();
    const limits = createLimits({ enabled: true, shared: null, clock, policy });
    for (let i = 1; i <= 5; i++) await limits.refreshPerIp.hit(`192.0.2.${i}`);
    expect(await limits.sweep()).toBe(0);
    clock.advance(60);
    expect(await limits.sweep()).toBe(5);
  });

  it('hold at most the cap of counters under a flood of distinct IPs, and still limit the IP that floods', async () => {
    const clock = new FakeClock();
    const limits = createLimits({ enabled: true, shared: null, clock, policy, memoryCap: 100 });
    for (let i = 0; i < 3; i++) await limits.refreshPerIp.hit('198.51.100.1');
    for (let i = 0; i < 5000; i++) await limits.refreshPerIp.hit(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    clock.advance(60);
    // Everything held is now expired: what the sweep finds is what was held.
    expect(await limits.sweep()).toBeLessThanOrEqual(100);
    for (let i = 0; i < 3; i++) await limits.refreshPerIp.hit('198.51.100.1');
    expect(await limits.refreshPerIp.hit('198.51.100.1')).toMatchObject({ limiter: 'refresh_ip' });
  });
});

describe('MemoryCounters with a cap', () => {
  const add = (counters: MemoryCounters, key: string, now: Date, seconds = 60) =>
    counters.add(key, 1, new Date(now.getTime() + seconds * 1000), now, false);

  it('drops expired counters first, then the oldest, and never holds more than the cap', async () => {
    const clock = new FakeClock();
    const counters = new MemoryCounters(10);
    await add(counters, 'short', clock.now(), 1);
    for (let i = 0; i < 9; i++) await add(counters, `old-${i}`, clock.now());
    clock.advance(2);
    await add(counters, 'old-0', clock.now()); // a live counter continues in place
    await add(counters, 'new', clock.now());
    // The expired one went; nothing live had to.
    expect(counters.size).toBe(10);
    expect(await counters.get('short', clock.now())).toBeNull();
    expect(await counters.get('old-0', clock.now())).toEqual({ points: 2, expire: expect.any(Date) });

    await add(counters, 'newer', clock.now());
    // At the cap with nothing expired: the oldest go, down to 90 % of the cap, then the new one.
    expect(counters.size).toBe(10);
    expect(await counters.get('old-0', clock.now())).toBeNull();
    expect(await counters.get('newer', clock.now())).toMatchObject({ points: 1 });
    expect(await counters.get('new', clock.now())).toMatchObject({ points: 1 });
    for (let i = 0; i < 1000; i++) await add(counters, `flood-${i}`, clock.now());
    expect(counters.size).toBeLessThanOrEqual(10);
  });

  it('keeps every counter its own through deletes, sweeps, reused slots and growth', async () => {
    const clock = new FakeClock();
    const counters = new MemoryCounters();
    const now = clock.now();
    // More keys than the first allocation holds, each with its own count.
    for (let i = 0; i < 1000; i++) await counters.add(`k-${i}`, i + 1, new Date(now.getTime() + 60_000), now, false);
    await counters.add('forever', 3, null, now, false); // a lockout without an end
    expect(await counters.delete('k-1')).toBe(true);
    expect(await counters.delete('k-1')).toBe(false);
    await counters.add('after-delete', 7, new Date(now.getTime() + 1000), now, false); // takes k-1's slot
    await counters.add('k-2', -10, null, now, false); // a refund continues the live window
    expect(await counters.get('k-1', now)).toBeNull();
    expect(await counters.get('after-delete', now)).toEqual({ points: 7, expire: new Date(now.getTime() + 1000) });
    expect(await counters.get('k-2', now)).toEqual({ points: -7, expire: new Date(now.getTime() + 60_000) });
    expect(await counters.get('k-999', now)).toMatchObject({ points: 1000 });

    clock.advance(2);
    expect(await counters.deleteExpired(clock.now())).toBe(1); // after-delete
    expect(await counters.add('k-3', 5, new Date(clock.now().getTime() + 1000), clock.now(), true)).toMatchObject({ points: 5 });
    expect(await counters.add('fresh', -4, null, clock.now(), false)).toEqual({ points: 0, expire: null }); // never below zero
    clock.advance(3600);
    expect(await counters.deleteExpired(clock.now())).toBe(999); // k-0 … k-999 but k-1 (k-3 in its new window too)
    expect(await counters.get('forever', clock.now())).toEqual({ points: 3, expire: null });
    expect(counters.size).toBe(2); // forever and fresh: no end
  });
});

describe.runIf(usingPostgres())('statements per request on PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** Every statement node-postgres sends while `run` runs, from Prisma's adapter and the prepared statements alike. */
  async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
    const sent: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the client as `this`
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const query = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const [first] = args as [string | { name?: string; text: string }];
      sent.push(typeof first === 'string' ? first : (first.name ?? first.text));
      return original.apply(this, args);
    });
    try {
      await run();
    } finally {
      query.mockRestore();
    }
    return sent;
  }

  it('sends exactly one SQL statement, the rotation: the per-IP limit counts in memory', async () => {
    const { refreshToken } = await registerAndLogin(h);
    expect(await statementsOf(() => refresh(h, refreshToken).expect(200))).toEqual(['latchkey_present_and_rotate']);
  });

  it('a password login sends four statements: the guard admission, the user, the guard success, the session', async () => {
    const { email, password } = await register(h.http);
    const sent = await statementsOf(() => h.http.post('/auth/login').send({ email, password }).expect(200));
    expect(sent).toEqual([
      'latchkey_rate_limit_add_chained',
      'latchkey_find_user_by_email',
      'latchkey_rate_limit_add_all',
      'latchkey_create_session',
    ]);
  });
});
