import { Prisma, type PrismaClient } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';
import { revokeSessions } from './session-revocation.js';
import type { UserSummary } from './users.js';

type Tx = Prisma.TransactionClient;

/** A new password reset token: only its hash is stored. */
export interface NewResetToken {
  id: string;
  hash: string;
}

/** A user's new password (already hashed), when, and the event that records it. */
interface NewPassword {
  userId: string;
  passwordHash: string;
  now: Date;
  event: SecurityEvent;
}

/**
 * Changes to one account that span users, sessions, reset tokens and security events: each is
 * one transaction, and each begins by locking the user row, so that changes to one account
 * (password change, reset, disable, delete) run one after another, always taking their locks
 * in the same order (user, then sessions, then reset tokens): no deadlock between them. A login
 * in progress waits on that lock too (CREATE_SESSION, src/store/session-statements.ts).
 */
export class AccountStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The password, the revocation of every other session and the event, together. Only while
   * the caller's own session is still live (read after the lock: a concurrent change that
   * revoked it has committed by then), so two sessions cannot each throw the other out.
   */
  changePassword(input: NewPassword & { sessionId: string }): Promise<{ revoked: number } | null> {
    const { userId, sessionId } = input;
    return this.prisma.$transaction(async (tx) => {
      if (!(await lockUser(tx, userId))) return null;
      const own = await tx.session.count({ where: { id: sessionId, userId, revokedAt: null } });
      if (own !== 1) return null;
      return replacePassword(tx, input, 'password_changed', { not: sessionId });
    });
  }

  /** A new reset token replaces any unused one of the user. False when the user is gone. */
  issueResetToken(input: {
    userId: string;
    token: NewResetToken;
    now: Date;
    expiresAt: Date;
    event: SecurityEvent;
  }): Promise<boolean> {
    const { userId, token, now, expiresAt, event } = input;
    return this.prisma.$transaction(async (tx) => {
      if (!(await lockUser(tx, userId))) return false;
      await spendResetTokens(tx, userId, now);
      await tx.passwordResetToken.create({
        data: { id: token.id, userId, tokenHash: token.hash, createdAt: now, expiresAt },
      });
      await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return true;
    });
  }

  /** Whose token this is, if it could still be redeemed now: a read, before any hashing work. */
  async findRedeemableResetToken(tokenHash: string, now: Date): Promise<{ userId: string } | null> {
    return this.prisma.passwordResetToken.findFirst({
      where: { tokenHash, usedAt: null, expiresAt: { gt: now }, user: { disabledAt: null } },
      select: { userId: true },
    });
  }

  /**
   * Redeems a reset token: one conditional write claims it (unused, unexpired, user enabled),
   * so of concurrent redemptions exactly one wins; the winner's password, the revocation of
   * every session and the event commit with the claim. Null when the token could not be claimed.
   */
  redeemResetToken(input: NewPassword & { tokenHash: string }): Promise<{ revoked: number } | null> {
    const { tokenHash, userId, now } = input;
    return this.prisma.$transaction(async (tx) => {
      if (!(await lockUser(tx, userId))) return null;
      const claimed = await tx.passwordResetToken.updateMany({
        where: { tokenHash, userId, usedAt: null, expiresAt: { gt: now }, user: { disabledAt: null } },
        data: { usedAt: now },
      });
      if (claimed.count !== 1) return null;
      return replacePassword(tx, input, 'password_reset');
    });
  }

  /** Disables the account (idempotent: the first disabling time stays) and revokes every session. */
  disable(input: { userId: string; now: Date; event: SecurityEvent }): Promise<{ user: UserSummary; revoked: number } | null> {
    const { userId, now, event } = input;
    return this.prisma.$transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) return null;
      if (!user.disabledAt) await tx.user.update({ where: { id: userId }, data: { disabledAt: now } });
      const { count: revoked } = await revokeSessions(tx, { userId }, 'user_disabled', now);
      await tx.securityEvent.create({ data: securityEventRow(withDetails(event, { revoked }), now) });
      return { user: { ...user, disabledAt: user.disabledAt ?? now }, revoked };
    });
  }

  /** Enables the account again; its sessions stay revoked. Null when the user is gone. */
  enable(input: { userId: string; now: Date; event: SecurityEvent }): Promise<UserSummary | null> {
    const { userId, now, event } = input;
    return this.prisma.$transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) return null;
      await tx.user.update({ where: { id: userId }, data: { disabledAt: null } });
      await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return { ...user, disabledAt: null };
    });
  }

  /**
   * Deletes the user with every session (their refresh tokens cascade) and reset token. The
   * security events stay: their user_id has no foreign key, so the history keeps the id.
   */
  delete(input: { userId: string; now: Date; event: SecurityEvent }): Promise<{ sessions: number } | null> {
    const { userId, now, event } = input;
    return this.prisma.$transaction(async (tx) => {
      if (!(await lockUser(tx, userId, 'FOR UPDATE'))) return null;
      const { count: sessions } = await tx.session.deleteMany({ where: { userId } });
      await tx.passwordResetToken.deleteMany({ where: { userId } });
      await tx.user.delete({ where: { id: userId } });
      await tx.securityEvent.create({ data: securityEventRow(withDetails(event, { sessions }), now) });
      return { sessions };
    });
  }
}

/**
 * The first statement of every account change: the user row, locked; null when there is none.
 * FOR UPDATE only to delete (it also makes a concurrent login's foreign-key check wait).
 */
async function lockUser(tx: Tx, userId: string, strength: 'FOR NO KEY UPDATE' | 'FOR UPDATE' = 'FOR NO KEY UPDATE') {
  const rows = await tx.$queryRaw<UserSummary[]>`
    SELECT id::text AS "id", email, created_at AS "createdAt", disabled_at AS "disabledAt"
      FROM users WHERE id = ${userId}::uuid ${strength === 'FOR UPDATE' ? FOR_UPDATE : FOR_NO_KEY_UPDATE}`;
  return rows[0] ?? null;
}

const FOR_UPDATE = Prisma.sql`FOR UPDATE`;
const FOR_NO_KEY_UPDATE = Prisma.sql`FOR NO KEY UPDATE`;

/**
 * A new password, by any route, in the caller's transaction: the hash, the revocation of the
 * user's sessions (all, or all but `keep`), the outstanding reset tokens spent, and the event
 * with how many sessions ended.
 */
async function replacePassword(
  tx: Tx,
  input: NewPassword,
  reason: 'password_changed' | 'password_reset',
  keep?: { not: string },
): Promise<{ revoked: number }> {
  const { userId, passwordHash, now, event } = input;
  await tx.user.update({ where: { id: userId }, data: { passwordHash } });
  const { count: revoked } = await revokeSessions(tx, keep ? { userId, id: keep } : { userId }, reason, now);
  await spendResetTokens(tx, userId, now);
  await tx.securityEvent.create({ data: securityEventRow(withDetails(event, { revoked }), now) });
  return { revoked };
}

/** A password that changed by any route makes every outstanding reset token useless. */
function spendResetTokens(tx: Tx, userId: string, now: Date) {
  return tx.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
}

function withDetails(event: SecurityEvent, details: Record<string, number>): SecurityEvent {
  return { ...event, details: { ...event.details, ...details } };
}
