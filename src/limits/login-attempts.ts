import { createHash } from 'node:crypto';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitPolicy } from './policy.js';

export interface LoginAttempt {
  /** Normalised (trimmed, lower-cased) email, whether or not an account has it. */
  email: string;
  ip: string | null;
}

export interface LoginRefusal {
  limiter: 'login_pair' | 'login_account';
  /** Seconds until the email may be tried again from this IP. */
  retryAfter: number;
}

export interface Lockout {
  /** `email_ip`: this email from this IP; `email`: this email from IPs it was never used from. */
  scope: 'email_ip' | 'email';
  seconds: number;
  /** How many times in a row this scope has been locked (the lock doubles each time). */
  lockouts: number;
}

/** Brute-force protection login() consults before and after checking the password. */
export interface LoginAttemptGuard {
  refusal(attempt: LoginAttempt): Promise<LoginRefusal | undefined>;
  /** Counts a failure; returns the lockout this failure started, if it started one. */
  failed(attempt: LoginAttempt): Promise<Lockout | undefined>;
  succeeded(attempt: LoginAttempt): Promise<void>;
}

export type MakeLimiter = (name: string, window: { points: number; duration: number }) => RateLimiterAbstract;

/** Counter keys are hashes: the counters hold no emails or IPs, and always fit the key column. */
export const counterKey = (...parts: (string | null)[]) =>
  createHash('sha256')
    .update(parts.map((p) => p ?? '-').join('\0'))
    .digest('base64url');

const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * rate-limiter-flexible's "consecutive failures by username and IP" recipe, plus a per-account
 * ceiling (OWASP Authentication Cheat Sheet, "Account Lockout"):
 * - 5 failures in a row for one (email, IP) lock that pair for 5 min, doubling per repeat
 *   lockout within a day, at most 1 h; a success resets it. Other IPs, and other emails from
 *   this IP, are unaffected, so an attacker cannot lock the owner out from the owner's IP.
 * - 50 failures for one email from anywhere within an hour refuse that email, until the hour
 *   ends, from every IP that has not logged into it in the last 30 days.
 * Unknown emails are counted exactly like real ones, so a lockout reveals nothing.
 */
export class LoginAttempts implements LoginAttemptGuard {
  private readonly failures: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;
  private readonly account: RateLimiterAbstract;
  private readonly trusted: RateLimiterAbstract;

  constructor(
    make: MakeLimiter,
    private readonly policy: Pick<LimitPolicy, 'pairFailures' | 'accountFailures'>,
  ) {
    const { pairFailures, accountFailures } = policy;
    this.failures = make('login_pair', pairFailures);
    this.lockouts = make('login_lockouts', { points: 1, duration: pairFailures.lockoutMemory });
    this.account = make('login_account', accountFailures);
    this.trusted = make('login_trusted', { points: 1, duration: accountFailures.trustSeconds });
  }

  async refusal({ email, ip }: LoginAttempt): Promise<LoginRefusal | undefined> {
    const pair = counterKey(email, ip);
    const [failures, account] = await Promise.all([this.failures.get(pair), this.account.get(counterKey(email))]);
    if (failures && failures.consumedPoints >= this.policy.pairFailures.points) {
      return { limiter: 'login_pair', retryAfter: seconds(failures) };
    }
    if (account && account.consumedPoints >= this.policy.accountFailures.points && !(await this.trusted.get(pair))) {
      return { limiter: 'login_account', retryAfter: seconds(account) };
    }
    return undefined;
  }

  async failed({ email, ip }: LoginAttempt): Promise<Lockout | undefined> {
    const pair = counterKey(email, ip);
    const { pairFailures, accountFailures } = this.policy;
    const [failures, account] = await Promise.all([this.failures.penalty(pair), this.account.penalty(counterKey(email))]);
    // Counters are incremented atomically, so exactly one failure sees the threshold itself.
    if (failures.consumedPoints === pairFailures.points) {
      const lockouts = (await this.lockouts.penalty(pair)).consumedPoints;
      const lockSeconds = Math.min(pairFailures.baseLockSeconds * 2 ** (lockouts - 1), pairFailures.maxLockSeconds);
      await this.failures.set(pair, pairFailures.points, lockSeconds);
      return { scope: 'email_ip', seconds: lockSeconds, lockouts };
    }
    if (account.consumedPoints === accountFailures.points) {
      return { scope: 'email', seconds: seconds(account), lockouts: 1 };
    }
    return undefined;
  }

  async succeeded({ email, ip }: LoginAttempt): Promise<void> {
    const pair = counterKey(email, ip);
    await Promise.all([
      this.failures.delete(pair),
      this.lockouts.delete(pair),
      this.trusted.set(pair, 1, this.policy.accountFailures.trustSeconds),
    ]);
  }
}
