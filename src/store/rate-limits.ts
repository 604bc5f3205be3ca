import type { PrismaClient } from './generated/client.js';

/** One rate-limit counter: points consumed in the window that ends at `expire` (null: never). */
export interface CounterRow {
  points: number;
  expire: Date | null;
}

/**
 * Rate-limit counters in the `rate_limits` table, shared by every instance on one database.
 * Times come from the caller (the app's clock), never from the database server, so windows
 * and lockouts follow the same clock as everything else.
 */
export class RateLimitStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Adds `points` to the counter in one statement, so concurrent requests are all counted.
   * A counter whose window has ended starts over with `points` and the new `expire`;
   * `replace` overwrites points and expiry unconditionally (a block or a reset).
   */
  async add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow> {
    const rows = replace
      ? await this.prisma.$queryRaw<CounterRow[]>`
          INSERT INTO rate_limits (key, points, expire) VALUES (${key}, ${points}, ${expire})
          ON CONFLICT (key) DO UPDATE SET points = EXCLUDED.points, expire = EXCLUDED.expire
          RETURNING points, expire`
      : await this.prisma.$queryRaw<CounterRow[]>`
          INSERT INTO rate_limits (key, points, expire) VALUES (${key}, ${points}, ${expire})
          ON CONFLICT (key) DO UPDATE SET
            points = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.points
                          ELSE rate_limits.points + EXCLUDED.points END,
            expire = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.expire
                          ELSE rate_limits.expire END
          RETURNING points, expire`;
    const row = rows[0];
    if (!row) throw new Error('rate limit upsert returned no row');
    return { points: Number(row.points), expire: row.expire };
  }

  /** The live counter, or null when there is none or its window has ended. */
  async get(key: string, now: Date): Promise<CounterRow | null> {
    return this.prisma.rateLimit.findFirst({
      where: { key, OR: [{ expire: null }, { expire: { gt: now } }] },
      select: { points: true, expire: true },
    });
  }

  async delete(key: string): Promise<boolean> {
    const { count } = await this.prisma.rateLimit.deleteMany({ where: { key } });
    return count > 0;
  }

  /** Housekeeping: counters whose window ended before `before` are dead weight. */
  async deleteExpired(before: Date): Promise<number> {
    const { count } = await this.prisma.rateLimit.deleteMany({ where: { expire: { lt: before } } });
    return count;
  }
}
