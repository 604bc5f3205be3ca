import type { Prisma, PrismaClient } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';
import type { RevokeReason, SessionSummary } from './session-records.js';

/**
 * Ending sessions, the user's list of live ones and housekeeping: the Prisma side of the session
 * store (src/store/sessions.ts, which adds the hot path's prepared statements).
 */
export class SessionRevocations {
  constructor(protected readonly prisma: PrismaClient) {}

  /** The newest token of a session (the one that would be live): for security events. */
  async newestTokenId(sessionId: string): Promise<string | null> {
    const token = await this.prisma.refreshToken.findFirst({
      where: { sessionId, successorId: null },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    return token?.id ?? null;
  }

  /**
   * Revokes a session (idempotent) and records the event in the same transaction,
   * so a revocation is never without its audit row. Returns whether it was live before.
   */
  async revoke(sessionId: string, reason: RevokeReason, now: Date, event?: SecurityEvent): Promise<boolean> {
    const [result] = await this.prisma.$transaction([
      this.prisma.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: now, revokedReason: reason },
      }),
      ...(event ? [this.prisma.securityEvent.create({ data: securityEventRow(event, now) })] : []),
    ]);
    return result.count === 1;
  }

  /** Revokes every live session of a user (but `except`, the caller's own); returns how many. */
  async revokeAllForUser(
    userId: string,
    reason: RevokeReason,
    now: Date,
    event?: SecurityEvent,
    options: { except?: string } = {},
  ): Promise<number> {
    const where = options.except ? { userId, id: { not: options.except } } : { userId };
    const [result] = await this.prisma.$transaction([
      revokeSessions(this.prisma, where, reason, now),
      ...(event ? [this.prisma.securityEvent.create({ data: securityEventRow(event, now) })] : []),
    ]);
    return result.count;
  }

  /**
   * Revokes one session only if it is a live session of this user (not revoked, within both
   * expiries), with its event; false otherwise, so the caller cannot tell "not yours" from
   * "no such session".
   */
  revokeOwn(input: {
    sessionId: string;
    userId: string;
    reason: RevokeReason;
    now: Date;
    idleCutoff: Date;
    event: SecurityEvent;
  }): Promise<boolean> {
    const { sessionId, userId, reason, now, idleCutoff, event } = input;
    return this.prisma.$transaction(async (tx) => {
      const { count } = await revokeSessions(tx, { id: sessionId, userId, ...liveSessionWhere(now, idleCutoff) }, reason, now);
      if (count === 1) await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return count === 1;
    });
  }

  /** A user's live sessions (not revoked, within both expiries), newest first. */
  listLive(userId: string, now: Date, idleCutoff: Date): Promise<SessionSummary[]> {
    return this.prisma.session.findMany({
      where: { userId, ...liveSessionWhere(now, idleCutoff) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, createdAt: true, lastUsedAt: true, expiresAt: true, userAgent: true, ip: true },
    });
  }

  /**
   * The revocation of every live session issued to a client, as an operation for the caller's
   * transaction (client deletion: src/store/clients.ts), not yet run.
   */
  revokeAllForClientOperation(clientId: string, reason: RevokeReason, now: Date) {
    return this.prisma.session.updateMany({
      where: { clientId, revokedAt: null },
      data: { revokedAt: now, revokedReason: reason },
    });
  }

  /** Housekeeping: sealed successors outlive the grace window by nothing; dead sessions go after a retention period. */
  async purge(input: {
    sealedBefore: Date;
    sessionsEndedBefore: Date;
  }): Promise<{ sealedCleared: number; sessionsDeleted: number }> {
    const [sealed, sessions] = await this.prisma.$transaction([
      this.prisma.refreshToken.updateMany({
        where: { successorSealed: { not: null }, usedAt: { lt: input.sealedBefore } },
        data: { successorSealed: null },
      }),
      this.prisma.session.deleteMany({
        where: {
          OR: [{ expiresAt: { lt: input.sessionsEndedBefore } }, { revokedAt: { lt: input.sessionsEndedBefore } }],
        },
      }),
    ]);
    return { sealedCleared: sealed.count, sessionsDeleted: sessions.count };
  }
}

/**
 * The one way sessions are revoked: the live ones among `where`, with the reason. Account
 * changes (src/store/accounts.ts) call it inside their own transactions.
 */
export function revokeSessions(
  db: PrismaClient | Prisma.TransactionClient,
  where: Prisma.SessionWhereInput,
  reason: RevokeReason,
  now: Date,
) {
  return db.session.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
}

/**
 * A live session: not revoked, before its absolute expiry and last used after the idle cutoff
 * (now − REFRESH_IDLE_TTL). The same rule as the rotation statement's (PRESENT_AND_ROTATE) and
 * sessionExpiry's (src/sessions/refresh.ts); test/store/session-validity.test.ts holds the three together.
 */
export function liveSessionWhere(now: Date, idleCutoff: Date) {
  return { revokedAt: null, expiresAt: { gt: now }, lastUsedAt: { gt: idleCutoff } } satisfies Prisma.SessionWhereInput;
}
