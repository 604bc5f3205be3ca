import type { PrismaClient } from './generated/client.js';

/**
 * How a new holder takes a status-list slot, as CTEs for the statement that creates the holder
 * (CREATE_SESSION, src/store/session-statements.ts; RECORD_CLIENT_TOKEN, src/store/clients.ts).
 * That statement first defines `slot_request`: at most one row of (holder uuid, reuse_before
 * timestamptz, token_ttl int, free_at timestamptz), none when nothing is to be created. The holder
 * gets the lowest free slot whose reuse cutoff has passed (`free_at <= reuse_before`; SKIP LOCKED:
 * concurrent callers take different ones), else a new slot; `taken_slot` is the slot it got.
 */
export const TAKE_STATUS_SLOT = `reusable AS (
      SELECT slot FROM status_slots WHERE free_at <= (SELECT reuse_before FROM slot_request)
       ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED
    ), reused AS (
      UPDATE status_slots sl SET holder = r.holder, revoked = false, free_at = r.free_at, token_ttl = r.token_ttl
        FROM slot_request r
       WHERE sl.slot IN (SELECT slot FROM reusable)
      RETURNING sl.slot
    ), fresh AS (
      INSERT INTO status_slots (holder, token_ttl, free_at)
      SELECT holder, token_ttl, free_at FROM slot_request WHERE NOT EXISTS (SELECT 1 FROM reusable)
      RETURNING slot
    ), taken_slot AS (
      SELECT slot FROM reused UNION ALL SELECT slot FROM fresh
    )`;

/**
 * The status-list slots (src/tokens/status-list.ts). Slots are taken with their holder
 * (TAKE_STATUS_SLOT above) and revoked by the database when the session ends (trigger
 * `latchkey_session_ended`); this store only reads them to build the lists.
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
