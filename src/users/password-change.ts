import { AppError, invalidToken, tooManyRequests } from '../errors.js';
import { type AttemptGuard, UNGUARDED } from '../limits/attempt-guard.js';
import { assertAcceptableNewPassword, normalisePassword } from '../passwords/policy.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { SecurityEvent } from '../store/security-events.js';

/** The signed-in user changing their own password, from the session of their access token. */
export interface PasswordChanger {
  userId: string;
  email: string;
  sessionId: string;
}

/**
 * POST /auth/password. The current password is checked under the login brute-force guard,
 * keyed by the account's email (a stolen access token must not become an unlimited password
 * oracle: OWASP ASVS 6.2.3 asks for the current password; 2.2.1 for anti-automation); the new
 * one under the registration policy. The new hash, the revocation of every other session and
 * the event commit together; this session stays.
 */
export async function changePassword(
  deps: Pick<SessionDeps, 'store' | 'hasher' | 'audit' | 'clock' | 'metrics'>,
  who: PasswordChanger,
  input: { currentPassword: string; newPassword: string },
  ctx: RequestContext,
  guard: AttemptGuard = UNGUARDED,
): Promise<{ revoked: number }> {
  const { store, hasher, audit } = deps;
  const newPassword = normalisePassword(input.newPassword);
  assertAcceptableNewPassword(newPassword, 'new_password');

  // The login counters, keyed the same way: guesses here and at /auth/login add up.
  const { ticket, refusal } = await guard.admit({ subject: who.email, ip: ctx.ip });
  if (refusal) {
    deps.metrics.countRefusal(refusal);
    throw tooManyRequests(refusal.retryAfter);
  }
  const current = normalisePassword(input.currentPassword);
  const user = await store.users.findById(who.userId);
  const ok = await hasher.check(user?.passwordHash, current);
  const base = { userId: who.userId, sessionId: who.sessionId, ip: ctx.ip, requestId: ctx.requestId };
  if (!ok) {
    const lockout = await ticket.failed();
    await audit.record({ ...base, type: 'password_change_failed', details: { reason: 'wrong_password' } });
    if (lockout) {
      const { scope, seconds, lockouts } = lockout;
      await audit.record({ ...base, type: 'login_locked', details: { scope, seconds, lockouts } });
    }
    throw new AppError('invalid_credentials', 'current password is incorrect');
  }
  await ticket.succeeded();

  const passwordHash = await hasher.hash(newPassword);
  const event: SecurityEvent = { ...base, type: 'password_changed' };
  const changed = await store.accounts.changePassword({ ...base, passwordHash, now: deps.clock.now(), event });
  // This session was ended (or the account changed hands) while the password was being checked.
  if (!changed) throw invalidToken('the session of this access token has ended');
  audit.logged({ ...event, details: changed });
  return changed;
}
