import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { RateLimitStore } from '../store/rate-limits.js';
import {
  AttemptLimiter,
  type AttemptGuard,
  CLIENT_SECRET_GUARD,
  LOGIN_GUARD,
  type Refusal,
  UNGUARDED,
  counterKey,
} from './attempt-guard.js';
import { ClockedCounters } from './clocked-limiter.js';
import { type CounterBackend, MemoryCounters } from './counters.js';
import { LIMIT_POLICY, type LimitPolicy } from './policy.js';

// Where limits are decided: which limiter counts what, in which window (src/limits/policy.ts),
// where its counters live, and what a refusal is. The HTTP layer only hands in the client IP
// (src/http/middleware/rate-limit.ts) and answers a refusal with 429 + Retry-After.
//
// Where the counters live:
// - Brute force and enumeration (the attempt guard's pair/account failures for passwords and
//   client secrets, `registerTakenPerIp`): in the database on PostgreSQL (the `rate_limits`
//   table), shared by every instance, so N instances give a guesser no more tries than one.
// - Floods (`loginPerIp`, `registerPerIp`, `refreshPerIp`): in each instance's memory, so a
//   refresh sends one SQL statement, not two with a commit each (issue 17: the counter upsert
//   cost ~30 % of refresh throughput on PostgreSQL). N instances behind a balancer allow up to
//   N times the per-IP rate. That is the trade: these limits cap load per client, they guard no
//   secret (a refresh token is 256 random bits; a login's password is counted by the guard).
// - On the embedded PGlite (one process) every counter is in memory.

/**
 * Flood counters one instance holds at most: ~115 bytes of heap each (V8 heap after GC,
 * `bench/counters.ts`), so ~6 MB at the cap. Past it the expired go first, then the oldest
 * (src/limits/counters.ts): only a flood from more distinct IPs than this within one window
 * makes an IP's count start over.
 */
export const MEMORY_COUNTER_CAP = 50_000;

/** One request from one client IP: a refusal means answer 429 without doing the work. */
export interface RequestLimit {
  hit(ip: string | null): Promise<Refusal | undefined>;
}

/** Registration answers `email_taken`, so it is also an enumeration oracle: those answers are counted per IP. */
export interface TakenLimit {
  /** Refuses an IP that has had its `email_taken` answers; counts nothing. */
  check(ip: string | null): Promise<Refusal | undefined>;
  /** One more `email_taken` answer to this IP. */
  taken(ip: string | null): Promise<void>;
}

export interface Limits {
  /** False with RATE_LIMIT=false: everything below lets everything through. */
  readonly enabled: boolean;
  /** Every login request per IP, before the body is read: a flood costs a counter, not an argon2 hash. */
  readonly loginPerIp: RequestLimit;
  readonly registerPerIp: RequestLimit;
  readonly registerTaken: TakenLimit;
  readonly refreshPerIp: RequestLimit;
  /** Passwords (login, password change): src/limits/attempt-guard.ts. */
  readonly loginAttempts: AttemptGuard;
  /** Client secrets (per client and IP), with their own counters. */
  readonly clientSecretAttempts: AttemptGuard;
  /** Housekeeping: drops this process's expired counters; returns how many. */
  sweep(): Promise<number>;
}

const UNLIMITED_REQUESTS: RequestLimit = { hit: () => Promise.resolve(undefined) };

/** RATE_LIMIT=false: no limits (tests, or a gateway does this job). */
export const UNLIMITED: Limits = {
  enabled: false,
  loginPerIp: UNLIMITED_REQUESTS,
  registerPerIp: UNLIMITED_REQUESTS,
  registerTaken: { check: () => Promise.resolve(undefined), taken: () => Promise.resolve() },
  refreshPerIp: UNLIMITED_REQUESTS,
  loginAttempts: UNGUARDED,
  clientSecretAttempts: UNGUARDED,
  sweep: () => Promise.resolve(0),
};

export interface LimitsInput {
  enabled: boolean;
  /** The shared counters on PostgreSQL; null on the embedded database. */
  shared: RateLimitStore | null;
  clock: Clock;
  policy?: LimitPolicy;
  /** Default MEMORY_COUNTER_CAP. */
  memoryCap?: number;
}

export function createLimits({
  enabled,
  shared,
  clock,
  policy = LIMIT_POLICY,
  memoryCap = MEMORY_COUNTER_CAP,
}: LimitsInput): Limits {
  if (!enabled) return UNLIMITED;
  const floods = new MemoryCounters(memoryCap);
  // The embedded database is one process: its guard counters are in memory too, as many as
  // there are live ones (an evicted failure count would end a lockout early).
  const guards: CounterBackend = shared ?? new MemoryCounters();
  const flood = new ClockedCounters(floods, clock);
  const guard = new ClockedCounters(guards, clock);

  const registerTaken = guard.limiter('register_taken', policy.registerTakenPerIp);
  return {
    enabled: true,
    loginPerIp: perIp('login_ip', flood.limiter('login_ip', policy.loginPerIp)),
    registerPerIp: perIp('register_ip', flood.limiter('register_ip', policy.registerPerIp)),
    registerTaken: {
      check: async (ip) => {
        const taken = await registerTaken.get(ipKey(ip));
        return taken && taken.consumedPoints >= policy.registerTakenPerIp.points ? refusal('register_taken', taken) : undefined;
      },
      taken: async (ip) => void (await registerTaken.penalty(ipKey(ip))),
    },
    refreshPerIp: perIp('refresh_ip', flood.limiter('refresh_ip', policy.refreshPerIp)),
    loginAttempts: new AttemptLimiter(guard, policy, LOGIN_GUARD),
    clientSecretAttempts: new AttemptLimiter(guard, policy, CLIENT_SECRET_GUARD),
    // The shared table is swept by the limiters themselves (src/limits/clocked-limiter.ts).
    sweep: async () => (await floods.deleteExpired(clock.now())) + (shared ? 0 : await guards.deleteExpired(clock.now())),
  };
}

function perIp(name: string, limiter: RateLimiterAbstract): RequestLimit {
  return {
    hit: async (ip) => {
      try {
        await limiter.consume(ipKey(ip));
        return undefined;
      } catch (error) {
        if (error instanceof RateLimiterRes) return refusal(name, error);
        throw error;
      }
    },
  };
}

const refusal = (limiter: string, res: RateLimiterRes): Refusal => ({ limiter, retryAfter: res.msBeforeNext / 1000 });

const ipKey = (ip: string | null) => counterKey(ip);
