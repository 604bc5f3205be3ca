import { AppError } from '../errors.js';
import { assertAcceptableNewPassword, normalisePassword } from '../passwords/policy.js';
import { EmailTakenError, type UserRecord } from '../store/users.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';

/** Creates an account (public registration and the admin API share it). */
export async function registerUser(
  deps: Pick<SessionDeps, 'store' | 'hasher' | 'audit' | 'clock'>,
  input: { email: string; password: string },
  ctx: RequestContext,
  eventType: 'user_registered' | 'admin_user_created' = 'user_registered',
): Promise<UserRecord> {
  const password = normalisePassword(input.password);
  assertAcceptableNewPassword(password);
  const hash = await deps.hasher.hash(password);
  let user: UserRecord;
  try {
    user = await deps.store.users.create(input.email, hash, deps.clock.now());
  } catch (error) {
    if (error instanceof EmailTakenError) throw new AppError('email_taken', 'an account with this email already exists');
    throw error;
  }
  await deps.audit.record({ type: eventType, userId: user.id, ip: ctx.ip, requestId: ctx.requestId });
  return user;
}
