import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { addSeconds } from '../clock.js';
import { AppError, notFound } from '../errors.js';
import { assertAcceptableNewPassword, normalisePassword } from '../passwords/policy.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { SecurityEvent } from '../store/security-events.js';

// Admin-issued password reset: a single-use bearer secret the operator delivers to the person.
// 256 bits from the CSPRNG, base64url; only its SHA-256 is stored (like refresh tokens: with
// that much entropy a fast hash suffices). OWASP Forgot Password Cheat Sheet: single use,
// short-lived, stored hashed, every session ended once it is used.

/** Contract: a reset token is valid for 15 minutes (by the injected clock). */
export const RESET_TOKEN_TTL = 15 * 60;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const hashResetToken = (token: string) => createHash('sha256').update(token).digest('hex');

type Deps = Pick<SessionDeps, 'store' | 'hasher' | 'audit' | 'clock'>;

/** POST /admin/users/:id/password-reset: replaces any unused token of the user. */
export async function issuePasswordReset(
  deps: Omit<Deps, 'hasher'>,
  userId: string,
  ctx: RequestContext,
): Promise<{ resetToken: string; expiresAt: Date }> {
  const resetToken = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = addSeconds(now, RESET_TOKEN_TTL);
  const event: SecurityEvent = {
    type: 'password_reset_issued',
    userId,
    ip: ctx.ip,
    requestId: ctx.requestId,
    details: { expiresAt: expiresAt.toISOString() },
  };
  const token = { id: randomUUID(), hash: hashResetToken(resetToken) };
  if (!(await deps.store.accounts.issueResetToken({ userId, token, now, expiresAt, event }))) {
    throw notFound(`no user with id ${userId}`);
  }
  deps.audit.logged(event);
  return { resetToken, expiresAt };
}

/**
 * POST /auth/password/reset. Unknown, used, expired, or its user disabled: one answer, 400
 * invalid_grant (the status RFC 6749 §5.2 gives a bad grant). A cheap read first, so garbage
 * costs no argon2 hash; then one conditional write decides, so the token works exactly once
 * even when two requests redeem it at the same moment.
 */
export async function redeemPasswordReset(
  deps: Deps,
  input: { resetToken: string; newPassword: string },
  ctx: RequestContext,
): Promise<{ revoked: number }> {
  const password = normalisePassword(input.newPassword);
  assertAcceptableNewPassword(password, 'new_password');
  const tokenHash = TOKEN_PATTERN.test(input.resetToken) ? hashResetToken(input.resetToken) : undefined;
  const owner = tokenHash && (await deps.store.accounts.findRedeemableResetToken(tokenHash, deps.clock.now()));
  if (!tokenHash || !owner) return refuse(deps, ctx);

  const passwordHash = await deps.hasher.hash(password);
  const event: SecurityEvent = { type: 'password_reset', userId: owner.userId, ip: ctx.ip, requestId: ctx.requestId };
  const now = deps.clock.now();
  const redeemed = await deps.store.accounts.redeemResetToken({ tokenHash, userId: owner.userId, passwordHash, now, event });
  if (!redeemed) return refuse(deps, ctx);
  deps.audit.logged({ ...event, details: redeemed });
  return redeemed;
}

async function refuse(deps: Pick<Deps, 'audit'>, ctx: RequestContext): Promise<never> {
  await deps.audit.record({ type: 'password_reset_failed', ip: ctx.ip, requestId: ctx.requestId });
  throw new AppError('invalid_grant', 'reset token is unknown, used or expired', { status: 400 });
}
