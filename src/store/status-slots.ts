import type { PrismaClient } from './generated/client.js';

/**
 * The status-list slots (src/tokens/status-list.ts). Slots are taken with the session that holds
 * them (src/store/sessions.ts, CREATE_SESSION) and revoked by the database when the session ends
 * (trigger `latchkey_session_ended`); this store only reads them to build the lists.
 */
export class StatusSlotStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** The slots in [from, to) revoked while a token carrying them may still verify, ascending. */
  async revokedBetween(from: number, to: number, now: Date): Promise<number[]> {
    const rows = await this.prisma.statusSlot.findMany({
      where: { revoked: true, slot: { gte: from, lt: to }, OR: [{ freeAt: null }, { freeAt: { gt: now } }] },
      select: { slot: true },
      orderBy: { slot: 'asc' },
    });
    return rows.map((r) => r.slot);
  }

  /**
   * Sessions that expired without anyone presenting them (nothing revoked them) release their
   * slots too, from the moment their last access token has expired; revoked stays clear, since
   * no live token carries the slot. Returns how many slots were released.
   */
  releaseExpired(now: Date, idleTtlSeconds: number): Promise<number> {
    return this.prisma.$executeRaw`
      UPDATE status_slots sl
         SET free_at = LEAST(s.expires_at, s.last_used_at + make_interval(secs => ${idleTtlSeconds}))
                       + make_interval(secs => sl.token_ttl)
        FROM sessions s
       WHERE s.status_slot = sl.slot AND sl.holder = s.id AND sl.free_at IS NULL AND s.revoked_at IS NULL
         AND (s.expires_at <= ${now} OR s.last_used_at <= ${now}::timestamptz - make_interval(secs => ${idleTtlSeconds}))`;
  }

  /** Whether any slot ≥ `slot` was ever given out: a list beyond them does not exist (yet). */
  async anyAtOrAbove(slot: number): Promise<boolean> {
    return (await this.prisma.statusSlot.findFirst({ where: { slot: { gte: slot } }, select: { slot: true } })) !== null;
  }
}
