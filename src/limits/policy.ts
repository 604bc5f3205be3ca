interface Window {
  /** Points (requests or failures) allowed per window. */
  readonly points: number;
  /** Window length in seconds, from the first point. */
  readonly duration: number;
}

export interface LimitPolicy {
  readonly loginPerIp: Window;
  readonly pairFailures: Window & { baseLockSeconds: number; maxLockSeconds: number; lockoutMemory: number };
  readonly accountFailures: Window & { trustSeconds: number };
  readonly registerPerIp: Window;
  readonly registerTakenPerIp: Window;
  readonly refreshPerIp: Window;
}

/**
 * The default abuse limits (documented in SECURITY.md). The per-IP request limits (`loginPerIp`,
 * `registerPerIp`, `refreshPerIp`) are flood limits counted in each instance's memory; the
 * failure counters and `registerTakenPerIp` are brute-force limits, shared on PostgreSQL
 * (src/limits/limits.ts says why). Generous enough that people behind
 * one NAT and the test suite never meet them; tight enough that online guessing is hopeless:
 * OWASP Authentication Cheat Sheet, "Protect Against Automated Attacks" / "Account Lockout".
 */
export const LIMIT_POLICY: LimitPolicy = {
  /** Every login request, per client IP (flood: per instance). */
  loginPerIp: { points: 100, duration: 60 },
  /**
   * Consecutive failed logins per (email, IP) pair before that pair is locked. Success resets.
   * The lock lasts `baseLockSeconds`, doubling for each further lockout of the pair within
   * `lockoutMemory` seconds, and never longer than `maxLockSeconds`.
   */
  pairFailures: { points: 5, duration: 86_400, baseLockSeconds: 300, maxLockSeconds: 3600, lockoutMemory: 86_400 },
  /**
   * Failed logins per email from all IPs (a distributed guess at one account). Beyond it the
   * email is refused from IPs that have not logged into it within `trustSeconds`, until the
   * window ends; IPs the owner has used keep working, so an attacker cannot lock the owner out.
   */
  accountFailures: { points: 50, duration: 3600, trustSeconds: 30 * 86_400 },
  /** Every registration request, per client IP (each costs an argon2 hash; flood: per instance). */
  registerPerIp: { points: 100, duration: 3600 },
  /** `email_taken` answers per client IP: registration as an account-enumeration oracle (shared). */
  registerTakenPerIp: { points: 20, duration: 3600 },
  /** Every refresh request, per client IP (flood: per instance; a refresh token cannot be guessed). */
  refreshPerIp: { points: 300, duration: 60 },
};
