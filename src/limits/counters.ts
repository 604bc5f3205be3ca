import type { CounterRow, CounterWrite } from '../store/rate-limits.js';

export type { CounterRow, CounterWrite } from '../store/rate-limits.js';

/**
 * Where rate-limit counters live. The database store (src/store/rate-limits.ts) shares them
 * between instances; MemoryCounters keeps them in this process (src/limits/limits.ts says
 * which counter lives where). Every time is passed in from the app's clock.
 */
export interface CounterBackend {
  add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow>;
  /**
   * Adds `first`, then `second` only when the first now holds at most `secondIfAtMost` points,
   * as one atomic step (one statement on PostgreSQL): the rows after it, null for an unwritten second.
   */
  addChained(
    first: CounterWrite,
    second: CounterWrite,
    secondIfAtMost: number,
    now: Date,
  ): Promise<[CounterRow, CounterRow | null]>;
  /** Every write, in order, as one atomic step (one statement on PostgreSQL); keys must be distinct. */
  addAll(writes: readonly CounterWrite[], now: Date): Promise<void>;
  get(key: string, now: Date): Promise<CounterRow | null>;
  delete(key: string): Promise<boolean>;
  deleteExpired(before: Date): Promise<number>;
}

const live = (row: CounterRow | undefined, now: Date): row is CounterRow =>
  row !== undefined && (row.expire === null || row.expire.getTime() > now.getTime());

/**
 * Counters in this process's memory, at most `maxKeys` of them. A new key at the cap first
 * drops the expired counters, then the oldest (the earliest started: a key that starts a new
 * window moves to the back) until a tenth of the cap is free again, so a flood of distinct
 * IPs costs amortised constant time a request and never more than `maxKeys` entries. An
 * evicted counter starts again from zero: with the cap above the number of clients that
 * send within one window, only a flood from more addresses than that loses counts.
 */
export class MemoryCounters implements CounterBackend {
  readonly #rows = new Map<string, CounterRow>();

  constructor(readonly maxKeys = Number.POSITIVE_INFINITY) {}

  /** How many counters are held now (expired ones included until swept). */
  get size(): number {
    return this.#rows.size;
  }

  add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow> {
    return Promise.resolve(this.#add({ key, points, expire, replace }, now));
  }

  // Nothing below awaits: a sequence of writes is one atomic step in this process.
  addChained(
    first: CounterWrite,
    second: CounterWrite,
    secondIfAtMost: number,
    now: Date,
  ): Promise<[CounterRow, CounterRow | null]> {
    const added = this.#add(first, now);
    return Promise.resolve([added, added.points <= secondIfAtMost ? this.#add(second, now) : null]);
  }

  addAll(writes: readonly CounterWrite[], now: Date): Promise<void> {
    for (const write of writes) this.#add(write, now);
    return Promise.resolve();
  }

  #add({ key, points, expire, replace }: CounterWrite, now: Date): CounterRow {
    const current = this.#rows.get(key);
    const continues = !replace && live(current, now);
    // As the database store: a refund (negative points) never starts a window below zero.
    const next = continues
      ? { points: current.points + points, expire: current.expire }
      : { points: replace ? points : Math.max(points, 0), expire };
    if (continues) this.#rows.set(key, next);
    else this.#start(key, next, now);
    return { ...next };
  }

  get(key: string, now: Date): Promise<CounterRow | null> {
    const row = this.#rows.get(key);
    return Promise.resolve(live(row, now) ? { ...row } : null);
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#rows.delete(key));
  }

  deleteExpired(before: Date): Promise<number> {
    return Promise.resolve(this.#sweep(before));
  }

  /** A counter that starts (or restarts) a window goes to the back of the eviction order. */
  #start(key: string, row: CounterRow, now: Date): void {
    this.#rows.delete(key);
    if (this.#rows.size >= this.maxKeys) this.#makeRoom(now);
    this.#rows.set(key, row);
  }

  #makeRoom(now: Date): void {
    this.#sweep(now);
    const keep = Math.floor(this.maxKeys * 0.9);
    for (const key of this.#rows.keys()) {
      if (this.#rows.size <= keep) break;
      this.#rows.delete(key);
    }
  }

  #sweep(before: Date): number {
    let count = 0;
    for (const [key, row] of this.#rows) {
      if (row.expire !== null && row.expire.getTime() <= before.getTime() && this.#rows.delete(key)) count++;
    }
    return count;
  }
}
