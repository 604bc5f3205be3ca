import type { PrismaClient } from './generated/client.js';

/**
 * The status-list slots (src/tokens/status-list.ts). Slots are taken with the session that holds
 * them (src/store/sessions.ts, CREATE_SESSION) and revoked by the database when the session ends
 * (trigger `latchkey_session_ended`); this store only reads them to build the lists.
 */
export class StatusSlotStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** The revoked slots in [from, to), ascending. */
  async revokedBetween(from: number, to: number): Promise<number[]> {
    const rows = await this.prisma.statusSlot.findMany({
      where: { revoked: true, slot: { gte: from, lt: to } },
      select: { slot: true },
      orderBy: { slot: 'asc' },
    });
    return rows.map((r) => r.slot);
  }

  /** Whether any slot ≥ `slot` was ever given out: a list beyond them does not exist (yet). */
  async anyAtOrAbove(slot: number): Promise<boolean> {
    return (await this.prisma.statusSlot.findFirst({ where: { slot: { gte: slot } }, select: { slot: true } })) !== null;
  }
}
