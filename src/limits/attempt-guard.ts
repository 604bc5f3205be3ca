import { createHash } from 'node:crypto';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import type { ClockedCounters, ClockedRateLimiter } from './clocked-limiter.js';
import type { LimitPolicy } from './policy.js';

// Brute-force protection for anything that checks a secret: passwords at login, the current
// password at a password change, client secrets at the token endpoint. Usage:
//
//   const admission = await guard.admit({ subject: email, ip });
//   if (admission.refusal) throw tooManyRequests(admission.refusal.retryAfter); // checks nothing
//   const ok = await checkTheSecret();
//   if (ok) await admission.ticket.succeeded();
//   else { const lockout = await admission.ticket.failed(); /* security event if lockout */ }
//
// The attempt is consumed BEFORE the secret is checked, in one atomic counter write (the shared
// `rate_limits` table on PostgreSQL, process memory on the embedded database): of N requests
// sent at once, only those that fit under the limit are ever checked. A success refunds it.
// An admitted success costs two writes, one statement each on PostgreSQL: the admission (pair
// and account counters) and the success's refund and resets.

/** Who is guessing what: the secret's owner (a normalised email, a client id) and from where. */
export interface Attempt {
  subject: string;
  ip: string | null;
}

export interface Refusal {
  /** The limiter that refused, for metrics (`login_pair`, `login_account`, `client_secret_pair` …). */
  limiter: string;
  /** Seconds until this subject may be tried again from this IP. */
  retryAfter: number;
}

export interface Lockout {
  /** `email_ip` / `client_ip`: this subject from this IP; `email` / `client`: from IPs it was never used from. */
  scope: string;
  seconds: number;
  /** How many times in a row this scope has been locked (the lock doubles each time). */
  lockouts: number;
}

/** One admitted attempt. Report how the check went exactly once; an attempt never reported (an error) stays counted as a failure. */
export interface AttemptTicket {
  /** The secret was right: the attempt is refunded and this (subject, IP)'s run of failures ends. */
  succeeded(): Promise<void>;
  /** The secret was wrong: the attempt stays consumed. Returns the lockout this failure started, if any. */
  failed(): Promise<Lockout | undefined>;
}

export type Admission = { ticket: AttemptTicket; refusal?: undefined } | { refusal: Refusal; ticket?: undefined };

export interface AttemptGuard {
  /** Consumes one attempt before any secret is checked. A refusal means: check nothing, answer 429. */
  admit(attempt: Attempt): Promise<Admission>;
}

/** Lets everything through (RATE_LIMIT=false, or a caller with no guard). */
export const UNGUARDED: AttemptGuard = {
  admit: () => Promise.resolve({ ticket: { succeeded: () => Promise.resolve(), failed: () => Promise.resolve(undefined) } }),
};

/** Counter keys are hashes: the counters hold no emails or IPs, and always fit the key column. */
export const counterKey = (...parts: (string | null)[]) =>
  createHash('sha256')
    .update(parts.map((p) => p ?? '-').join('\0'))
    .digest('base64url');

const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** Counter names and event scopes of one kind of secret. */
export interface GuardNames {
  pair: string;
  lockouts: string;
  subject: string;
  trusted: string;
  pairScope: string;
  subjectScope: string;
}

export const LOGIN_GUARD: GuardNames = {
  pair: 'login_pair',
  lockouts: 'login_lockouts',
  subject: 'login_account',
  trusted: 'login_trusted',
  pairScope: 'email_ip',
  subjectScope: 'email',
};

export const CLIENT_SECRET_GUARD: GuardNames = {
  pair: 'client_secret_pair',
  lockouts: 'client_secret_lockouts',
  subject: 'client_secret_client',
  trusted: 'client_secret_trusted',
  pairScope: 'client_ip',
  subjectScope: 'client',
};

/**
 * rate-limiter-flexible's "consecutive failures by username and IP" recipe, plus a per-subject
 * ceiling (OWASP Authentication Cheat Sheet, "Account Lockout"), with the attempt consumed first:
 * - 5 failures in a row for one (subject, IP) lock that pair for 5 min, doubling per repeat
 *   lockout within a day, at most 1 h; a success resets it. Other IPs, and other subjects from
 *   this IP, are unaffected, so an attacker cannot lock the owner out from the owner's IP.
 * - 50 failures for one subject from anywhere within an hour refuse that subject, until the
 *   hour ends, from every IP that has not succeeded with it in the last 30 days.
 * Unknown subjects are counted exactly like real ones, so a lockout reveals nothing.
 */
export class AttemptLimiter implements AttemptGuard {
  private readonly pair: ClockedRateLimiter;
  private readonly lockouts: ClockedRateLimiter;
  private readonly subject: ClockedRateLimiter;
  private readonly trusted: ClockedRateLimiter;

  constructor(
    private readonly counters: ClockedCounters,
    private readonly policy: Pick<LimitPolicy, 'pairFailures' | 'accountFailures'>,
    private readonly names: GuardNames = LOGIN_GUARD,
  ) {
    const { pairFailures, accountFailures } = policy;
    this.pair = counters.limiter(names.pair, pairFailures);
    this.lockouts = counters.limiter(names.lockouts, { points: 1, duration: pairFailures.lockoutMemory });
    this.subject = counters.limiter(names.subject, accountFailures);
    this.trusted = counters.limiter(names.trusted, { points: 1, duration: accountFailures.trustSeconds });
  }

  async admit({ subject, ip }: Attempt): Promise<Admission> {
    const { pairFailures, accountFailures } = this.policy;
    const pairKey = counterKey(subject, ip);
    const subjectKey = counterKey(subject);
    // Atomic add-and-read: the n-th concurrent attempt sees n, whatever the interleaving. The
    // account is counted in the same step, only when the pair is not over its limit.
    const [pairRow, accountRow] = await this.counters.addChained(
      this.pair.addition(pairKey),
      this.subject.addition(subjectKey),
      pairFailures.points,
    );
    const pair = this.pair.answer(pairRow);
    if (!accountRow) {
      // Until the failure that reaches the limit has been judged, the counter still has its
      // day-long window: the shortest lock is the honest answer then.
      const left = seconds(pair);
      return this.refuse(this.names.pair, left > pairFailures.maxLockSeconds ? pairFailures.baseLockSeconds : left);
    }
    const account = this.subject.answer(accountRow);
    if (account.consumedPoints > accountFailures.points && !(await this.trusted.get(pairKey))) {
      // Nothing was tried: give both points back, so this IP's own run of failures is not longer.
      await this.counters.addAll([this.pair.addition(pairKey, -1), this.subject.addition(subjectKey, -1)]);
      return this.refuse(this.names.subject, seconds(account));
    }
    return { ticket: this.ticket(pairKey, subjectKey, pair.consumedPoints, account) };
  }

  private refuse(limiter: string, retryAfter: number): Admission {
    return { refusal: { limiter, retryAfter } };
  }

  private ticket(pairKey: string, subjectKey: string, nthInPair: number, account: RateLimiterRes): AttemptTicket {
    const { pairFailures, accountFailures } = this.policy;
    return {
      succeeded: async () => {
        // One step; the pair's counters before the account's, the order the admission locks them in.
        await this.counters.addAll([
          this.pair.reset(pairKey),
          this.lockouts.reset(pairKey),
          this.trusted.replacement(pairKey, 1, accountFailures.trustSeconds),
          this.subject.addition(subjectKey, -1),
        ]);
      },
      failed: async () => {
        // Exactly one admitted attempt holds the limit-th point: its failure starts the lock.
        if (nthInPair === pairFailures.points) {
          const lockouts = (await this.lockouts.penalty(pairKey)).consumedPoints;
          const lockSeconds = Math.min(pairFailures.baseLockSeconds * 2 ** (lockouts - 1), pairFailures.maxLockSeconds);
          await this.pair.set(pairKey, pairFailures.points, lockSeconds);
          return { scope: this.names.pairScope, seconds: lockSeconds, lockouts };
        }
        if (account.consumedPoints === accountFailures.points) {
          return { scope: this.names.subjectScope, seconds: seconds(account), lockouts: 1 };
        }
        return undefined;
      },
    };
  }
}
