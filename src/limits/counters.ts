import type { CounterRow } from '../store/rate-limits.js';

export type { CounterRow } from '../store/rate-limits.js';

/**
 * Where rate-limit counters live. The database store (src/store/rate-limits.ts) shares them
 * between instances; MemoryCounters serves the single-process embedded (PGlite) setup.
 * Every time is passed in from the app's clock.
 */
export interface CounterBackend {
  add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow>;
  get(key: string, now: Date): Promise<CounterRow | null>;
  delete(key: string): Promise<boolean>;
  deleteExpired(before: Date): Promise<number>;
}

const live = (row: CounterRow | undefined, now: Date): row is CounterRow =>
  row !== undefined && (row.expire === null || row.expire.getTime() > now.getTime());

/** Counters in this process's memory: right for one process on an embedded database. */
export class MemoryCounters implements CounterBackend {
  readonly #rows = new Map<string, CounterRow>();

  async add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow> {
    const current = this.#rows.get(key);
    // As the database store: a refund (negative points) never starts a window below zero.
    const next = replace
      ? { points, expire }
      : live(current, now)
        ? { points: current.points + points, expire: current.expire }
        : { points: Math.max(points, 0), expire };
    this.#rows.set(key, next);
    return { ...next };
  }

  async get(key: string, now: Date): Promise<CounterRow | null> {
    const row = this.#rows.get(key);
    return live(row, now) ? { ...row } : null;
  }

  async delete(key: string): Promise<boolean> {
    return this.#rows.delete(key);
  }

  async deleteExpired(before: Date): Promise<number> {
    let count = 0;
    for (const [key, row] of this.#rows) {
      if (row.expire !== null && row.expire.getTime() < before.getTime() && this.#rows.delete(key)) count++;
    }
    return count;
  }
}
