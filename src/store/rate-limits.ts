import { type SqlRunner, defineStatement } from './sql.js';

/** One rate-limit counter: points consumed in the window that ends at `expire` (null: never). */
export interface CounterRow {
  points: number;
  expire: Date | null;
}

/** One write to a counter: add `points` in the window ending at `expire`, or (`replace`) overwrite both. */
export interface CounterWrite {
  key: string;
  points: number;
  expire: Date | null;
  replace: boolean;
}

// Every login and refresh writes a counter before anything else runs (the per-IP limits and the
// brute-force guard), so these are prepared statements like the rest of the hot path.

/** An add from `source` (key, points, expire): `points` more in the live window, or a new window once it ended. */
const addFrom = (source: string, points: string, now: string) => `
    INSERT INTO rate_limits (key, points, expire) ${source}
    ON CONFLICT (key) DO UPDATE SET
      points = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.points ELSE rate_limits.points + ${points}::int END,
      expire = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.expire ELSE rate_limits.expire END
    RETURNING points, expire`;

/**
 * $1 key, $2 points, $3 expire, $4 now: adds in one statement; a window that ended starts over.
 * A refund (negative points) never starts a window below zero: it refunds nothing there.
 */
const ADD = defineStatement('latchkey_rate_limit_add', addFrom('VALUES ($1, GREATEST($2::int, 0), $3)', '$2', '$4'));

/**
 * $1 first key, $2 its points, $3 its expire, $4–$6 the second's, $7 now, $8 the first's limit:
 * adds to the first counter, then, only when the first now holds at most $8 points, to the second
 * (the brute-force guard's admission: the pair, then the account). One statement and commit; the
 * second insert reads the first's row, so rows are locked in that order, as everywhere the two
 * are written together. Rows: n (1, 2), points, expire.
 */
const ADD_CHAINED = defineStatement(
  'latchkey_rate_limit_add_chained',
  `
    WITH first AS (${addFrom('VALUES ($1, GREATEST($2::int, 0), $3)', '$2', '$7')}
    ), second AS (${addFrom('SELECT $4, GREATEST($5::int, 0), $6 FROM first WHERE first.points <= $8', '$5', '$7')}
    )
    SELECT 1 AS n, points, expire FROM first UNION ALL SELECT 2, points, expire FROM second`,
);

/**
 * $1 keys, $2 points, $3 expires, $4 replace flags (arrays, one element a counter), $5 now:
 * every write of CounterWrite[] in one statement, in array order (rows are locked in it).
 */
const ADD_ALL = defineStatement(
  'latchkey_rate_limit_add_all',
  `
    WITH input AS (
      SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::boolean[]) WITH ORDINALITY AS i(key, points, expire, replace, n)
    )
    INSERT INTO rate_limits (key, points, expire)
    SELECT key, CASE WHEN replace THEN points ELSE GREATEST(points, 0) END, expire FROM input ORDER BY n
    ON CONFLICT (key) DO UPDATE SET (points, expire) = (
      SELECT CASE WHEN i.replace OR rate_limits.expire <= $5 THEN EXCLUDED.points ELSE rate_limits.points + i.points END,
             CASE WHEN i.replace OR rate_limits.expire <= $5 THEN EXCLUDED.expire ELSE rate_limits.expire END
        FROM input i WHERE i.key = EXCLUDED.key
    )`,
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

  /**
   * Adds `first`, then `second` only when the first now holds at most `secondIfAtMost` points,
   * in one statement: the answer is the rows after the write (null: the second was not written).
   */
  async addChained(
    first: CounterWrite,
    second: CounterWrite,
    secondIfAtMost: number,
    now: Date,
  ): Promise<[CounterRow, CounterRow | null]> {
    const rows = await this.sql.query<CounterRow & { n: number }>(ADD_CHAINED, [
      first.key,
      first.points,
      first.expire,
      second.key,
      second.points,
      second.expire,
      now,
      secondIfAtMost,
    ]);
    const row = (n: number) => {
      const found = rows.find((r) => Number(r.n) === n);
      return found ? { points: Number(found.points), expire: found.expire } : null;
    };
    const added = row(1);
    if (!added) throw new Error('rate limit upsert returned no row');
    return [added, row(2)];
  }

  /** Every write, in order, in one statement; keys must be distinct. */
  async addAll(writes: readonly CounterWrite[], now: Date): Promise<void> {
    const column = <T>(pick: (w: CounterWrite) => T) => writes.map(pick);
    await this.sql.query(ADD_ALL, [
      column((w) => w.key),
      column((w) => w.points),
      column((w) => w.expire),
      column((w) => w.replace),
      now,
    ]);
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
