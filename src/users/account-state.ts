import { notFound } from '../errors.js';
import type { RequestContext, SessionDeps } from '../sessions/deps.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { UserSummary } from '../store/users.js';

// Operator actions on one account (admin API and CLI). Each is one transaction in the store
// (src/store/accounts.ts) that also writes its security event; here the log line follows.

type Deps = Pick<SessionDeps, 'store' | 'audit' | 'clock'>;

const event = (type: SecurityEvent['type'], userId: string, ctx: RequestContext): SecurityEvent => ({
  type,
  userId,
  ip: ctx.ip,
  requestId: ctx.requestId,
});

export async function findUser(deps: Pick<SessionDeps, 'store'>, userId: string): Promise<UserSummary> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw notFound(`no user with id ${userId}`);
  return { id: user.id, email: user.email, createdAt: user.createdAt, disabledAt: user.disabledAt };
}

/**
 * Disables an account and revokes every session with it: no login (answered like a wrong
 * password), refresh, password reset or /auth/me until it is enabled again.
 */
export async function disableUser(
  deps: Deps,
  userId: string,
  ctx: RequestContext,
): Promise<{ user: UserSummary; revoked: number }> {
  const disabled = event('user_disabled', userId, ctx);
  const result = await deps.store.accounts.disable({ userId, now: deps.clock.now(), event: disabled });
  if (!result) throw notFound(`no user with id ${userId}`);
  deps.audit.logged({ ...disabled, details: { revoked: result.revoked } });
  return result;
}

/** Lets the account log in again; the sessions that disabling ended stay ended. */
export async function enableUser(deps: Deps, userId: string, ctx: RequestContext): Promise<UserSummary> {
  const enabled = event('user_enabled', userId, ctx);
  const user = await deps.store.accounts.enable({ userId, now: deps.clock.now(), event: enabled });
  if (!user) throw notFound(`no user with id ${userId}`);
  deps.audit.logged(enabled);
  return user;
}

/** Deletes the account, its sessions, refresh tokens and reset tokens; its security events stay. */
export async function deleteUser(deps: Deps, userId: string, ctx: RequestContext): Promise<void> {
  const deleted = event('user_deleted', userId, ctx);
  const result = await deps.store.accounts.delete({ userId, now: deps.clock.now(), event: deleted });
  if (!result) throw notFound(`no user with id ${userId}`);
  deps.audit.logged({ ...deleted, details: result });
}
