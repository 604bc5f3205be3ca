import { type SqlRunner, defineStatement } from './sql.js';

/** One rate-limit counter: points consumed in the window that ends at `expire` (null: never). */
export interface CounterRow {
  points: number;
  expire: Date | null;
}

// Every login and refresh writes a counter before anything else runs (the per-IP limits and the
// brute-force guard), so these are prepared statements like the rest of the hot path.

/**
 * $1 key, $2 points, $3 expire, $4 now: adds in one statement; a window that ended starts over.
 * A refund (negative points) never starts a window below zero: it refunds nothing there.
 */
const ADD = defineStatement(
  'latchkey_rate_limit_add',
  `
    INSERT INTO rate_limits (key, points, expire) VALUES ($1, GREATEST($2::int, 0), $3)
    ON CONFLICT (key) DO UPDATE SET
      points = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.points ELSE rate_limits.points + $2::int END,
      expire = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.expire ELSE rate_limits.expire END
    RETURNING points, expire`,
);

/** $1 key, $2 points, $3 expire: overwrites points and expiry (a block or a reset). */
const REPLACE = defineStatement(
  'latchkey_rate_limit_replace',
  `
    INSERT INTO rate_limits (key, points, expire) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET points = EXCLUDED.points, expire = EXCLUDED.expire
    RETURNING points, expire`,
);

/** $1 key, $2 now */
const GET = defineStatement(
  'latchkey_rate_limit_get',
  `SELECT points, expire FROM rate_limits WHERE key = $1 AND (expire IS NULL OR expire > $2)`,
);

/** $1 key */
const DELETE = defineStatement('latchkey_rate_limit_delete', `DELETE FROM rate_limits WHERE key = $1 RETURNING key`);

/** $1 before */
const DELETE_EXPIRED = defineStatement(
  'latchkey_rate_limit_delete_expired',
  `WITH gone AS (DELETE FROM rate_limits WHERE expire < $1 RETURNING 1) SELECT count(*)::int AS count FROM gone`,
);

/**
 * Rate-limit counters in the `rate_limits` table, shared by every instance on one database.
 * Times come from the caller (the app's clock), never from the database server, so windows
 * and lockouts follow the same clock as everything else.
 */
export class RateLimitStore {
  constructor(private readonly sql: SqlRunner) {}

  /**
   * Adds `points` to the counter in one statement, so concurrent requests are all counted and
   * each sees the total including its own points (the brute-force guard relies on this).
   * A counter whose window has ended starts over with `points` and the new `expire`;
   * `replace` overwrites points and expiry unconditionally (a block or a reset).
   */
  async add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow> {
    const rows = replace
      ? await this.sql.query<CounterRow>(REPLACE, [key, points, expire])
      : await this.sql.query<CounterRow>(ADD, [key, points, expire, now]);
    const row = rows[0];
    if (!row) throw new Error('rate limit upsert returned no row');
    return { points: Number(row.points), expire: row.expire };
  }

  /** The live counter, or null when there is none or its window has ended. */
  async get(key: string, now: Date): Promise<CounterRow | null> {
    const [row] = await this.sql.query<CounterRow>(GET, [key, now]);
    return row ? { points: Number(row.points), expire: row.expire } : null;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.sql.query(DELETE, [key])).length > 0;
  }

  /** Housekeeping: counters whose window ended before `before` are dead weight. */
  async deleteExpired(before: Date): Promise<number> {
    const [row] = await this.sql.query<{ count: number }>(DELETE_EXPIRED, [before]);
    return row?.count ?? 0;
  }
}
