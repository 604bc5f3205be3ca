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

/**
 * A copy of `key` as one flat string. V8 builds a key such as `refresh_ip:10.0.3.7` as a rope
 * (a node over the prefix and the address); kept for as long as its counter, the rope costs
 * ~55 bytes more than the flat string it stands for.
 */
const flat = (key: string): string => JSON.parse(JSON.stringify(key)) as string;

/**
 * Counters in this process's memory, at most `maxKeys` of them. A new key at the cap first
 * drops the expired counters, then the oldest (the earliest started: a key that starts a new
 * window moves to the back) until a tenth of the cap is free again, so a flood of distinct
 * IPs costs amortised constant time a request and never more than `maxKeys` entries. An
 * evicted counter starts again from zero: with the cap above the number of clients that
 * send within one window, only a flood from more addresses than that loses counts.
 *
 * Layout (issue 17, memory): a key maps to a slot, and a slot's points and end of window (ms
 * since the epoch, NaN for none) sit in two Float64Arrays. That is ~115 bytes of heap a counter
 * (the key, flat, and its Map entry), where an object and a Date per counter took ~320: V8 heap
 * after GC, 50,000 IPv4 counters.
 */
export class MemoryCounters implements CounterBackend {
  /** Key → slot; the Map's insertion order is the eviction order. */
  readonly #slots = new Map<string, number>();
  #points = new Float64Array(256);
  #expires = new Float64Array(256);
  /** Slots freed by deletes, reused before the arrays grow. */
  readonly #free: number[] = [];
  #used = 0;

  constructor(readonly maxKeys = Number.POSITIVE_INFINITY) {}

  /** How many counters are held now (expired ones included until swept). */
  get size(): number {
    return this.#slots.size;
  }

  add(key: string, points: number, expire: Date | null, now: Date, replace: boolean): Promise<CounterRow> {
    return Promise.resolve(this.#add({ key, points, expire, replace }, now.getTime()));
  }

  // Nothing below awaits: a sequence of writes is one atomic step in this process.
  addChained(
    first: CounterWrite,
    second: CounterWrite,
    secondIfAtMost: number,
    now: Date,
  ): Promise<[CounterRow, CounterRow | null]> {
    const at = now.getTime();
    const added = this.#add(first, at);
    return Promise.resolve([added, added.points <= secondIfAtMost ? this.#add(second, at) : null]);
  }

  addAll(writes: readonly CounterWrite[], now: Date): Promise<void> {
    const at = now.getTime();
    for (const write of writes) this.#add(write, at);
    return Promise.resolve();
  }

  #add({ key, points, expire, replace }: CounterWrite, now: number): CounterRow {
    const end = expire === null ? Number.NaN : expire.getTime();
    // NaN stands for "no end": an invalid Date must not become a counter that never expires.
    if (expire !== null && !Number.isFinite(end)) throw new RangeError(`counter ${key}: invalid end of window`);
    let slot = this.#slots.get(key);
    if (!replace && slot !== undefined && this.#live(slot, now)) {
      this.#points[slot]! += points;
      return this.#row(slot);
    }
    // A new window: at the back of the eviction order. As the database store, a refund
    // (negative points) never starts a window below zero.
    if (slot !== undefined) this.#slots.delete(key);
    else slot = this.#take(now);
    this.#slots.set(flat(key), slot);
    this.#points[slot] = replace ? points : Math.max(points, 0);
    this.#expires[slot] = end;
    return this.#row(slot);
  }

  get(key: string, now: Date): Promise<CounterRow | null> {
    const slot = this.#slots.get(key);
    return Promise.resolve(slot !== undefined && this.#live(slot, now.getTime()) ? this.#row(slot) : null);
  }

  delete(key: string): Promise<boolean> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return Promise.resolve(false);
    this.#release(key, slot);
    return Promise.resolve(true);
  }

  deleteExpired(before: Date): Promise<number> {
    return Promise.resolve(this.#sweep(before.getTime()));
  }

  #live(slot: number, now: number): boolean {
    const expire = this.#expires[slot]!;
    return Number.isNaN(expire) || expire > now;
  }

  #row(slot: number): CounterRow {
    const expire = this.#expires[slot]!;
    return { points: this.#points[slot]!, expire: Number.isNaN(expire) ? null : new Date(expire) };
  }

  /** A slot for a new key: a freed one, else the next, making room at the cap first. */
  #take(now: number): number {
    if (this.#slots.size >= this.maxKeys) this.#makeRoom(now);
    const free = this.#free.pop();
    if (free !== undefined) return free;
    if (this.#used === this.#points.length) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    const length = Math.min(this.#points.length * 2, Math.max(this.maxKeys, this.#points.length + 1));
    const points = new Float64Array(length);
    const expires = new Float64Array(length);
    points.set(this.#points);
    expires.set(this.#expires);
    this.#points = points;
    this.#expires = expires;
  }

  #release(key: string, slot: number): void {
    this.#slots.delete(key);
    this.#free.push(slot);
  }

  #makeRoom(now: number): void {
    this.#sweep(now);
    const keep = Math.floor(this.maxKeys * 0.9);
    for (const [key, slot] of this.#slots) {
      if (this.#slots.size <= keep) break;
      this.#release(key, slot);
    }
  }

  #sweep(before: number): number {
    let count = 0;
    for (const [key, slot] of this.#slots) {
      if (this.#expires[slot]! <= before) {
        this.#release(key, slot);
        count++;
      }
    }
    return count;
  }
}
