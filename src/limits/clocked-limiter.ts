import { createRequire } from 'node:module';
import { type IRateLimiterOptions, RateLimiterRes, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { CounterBackend, CounterRow, CounterWrite } from './counters.js';

// rate-limiter-flexible declares its store base class but does not export it from the index;
// the package is pinned to an exact version (package.json) because this path is not public API.
const require = createRequire(import.meta.url);
const StoreAbstract = require('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof RateLimiterStoreAbstract;

/** Run expired-counter housekeeping once every this many writes. */
const SWEEP_EVERY = 1000;

/**
 * One backend's counters on the app's Clock: makes its limiters, and writes several of their
 * counters in one atomic step (one statement on PostgreSQL) where a rule needs that.
 */
export class ClockedCounters {
  #writes = 0;

  constructor(
    private readonly backend: CounterBackend,
    readonly clock: Clock,
  ) {}

  limiter(name: string, { points, duration }: { points: number; duration: number }): ClockedRateLimiter {
    return new ClockedRateLimiter({ keyPrefix: name, points, duration }, this.backend, this);
  }

  /** CounterBackend.addChained: `second` is added only when `first` then holds at most `secondIfAtMost`. */
  addChained(first: CounterWrite, second: CounterWrite, secondIfAtMost: number): Promise<[CounterRow, CounterRow | null]> {
    return this.backend.addChained(first, second, secondIfAtMost, this.writing());
  }

  /** CounterBackend.addAll: every write, in order, in one step. */
  addAll(writes: readonly CounterWrite[]): Promise<void> {
    return this.backend.addAll(writes, this.writing());
  }

  /** The time of a write about to be sent; once every SWEEP_EVERY writes, housekeeping too. */
  writing(): Date {
    const now = this.clock.now();
    // Housekeeping must not make this request wait or fail: the next sweep retries.
    if (++this.#writes % SWEEP_EVERY === 0) void this.backend.deleteExpired(now).catch(() => undefined);
    return now;
  }
}

/**
 * rate-limiter-flexible's algorithms (consume, penalty, reward, block, set) over our own
 * counters, with time from the app's Clock instead of Date.now(): windows, blocks and
 * lockouts expire when the clock says so, and tests move a fake clock instead of waiting.
 */
export class ClockedRateLimiter extends StoreAbstract {
  constructor(
    options: Omit<IRateLimiterOptions, 'insuranceLimiter' | 'execEvenly' | 'execEvenlyMinDelayMs'>,
    private readonly backend: CounterBackend,
    private readonly counters: ClockedCounters,
  ) {
    super({ ...options, storeClient: backend });
  }

  // The writes penalty, reward, set and delete make, to send with others in one step
  // (ClockedCounters.addChained / addAll), and the answer penalty gives for the row written.

  /** What penalty(key, points) writes; negative points: what reward(key, -points) writes. */
  addition(key: string, points = 1): CounterWrite {
    return { key: this.getKey(key), points, expire: this.#expireIn(this.duration * 1000), replace: false };
  }

  /** What set(key, points, seconds) writes. */
  replacement(key: string, points: number, seconds: number): CounterWrite {
    return { key: this.getKey(key), points, expire: this.#expireIn(seconds * 1000), replace: true };
  }

  /** As delete(key): a counter whose window ends now reads as none, and the sweep drops it. */
  reset(key: string): CounterWrite {
    return { key: this.getKey(key), points: 0, expire: this.counters.clock.now(), replace: true };
  }

  /** What penalty(key, points) answers when its write left `row`. */
  answer(row: CounterRow, points = 1): RateLimiterRes {
    return this._getRateLimiterRes('', points, row);
  }

  #expireIn(ms: number): Date | null {
    return ms > 0 ? new Date(this.counters.clock.now().getTime() + ms) : null;
  }

  // The hooks below are RateLimiterStoreAbstract's storage contract (see its source).

  protected _getRateLimiterRes(_rlKey: string, changedPoints: number, row: CounterRow): RateLimiterRes {
    const msBeforeNext = row.expire === null ? -1 : Math.max(row.expire.getTime() - this.counters.clock.now().getTime(), 0);
    return new RateLimiterRes(Math.max(this.points - row.points, 0), msBeforeNext, row.points, row.points === changedPoints);
  }

  protected async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterRow> {
    const now = this.counters.writing();
    return this.backend.add(rlKey, points, this.#expireIn(msDuration), now, forceExpire);
  }

  protected _get(rlKey: string): Promise<CounterRow | null> {
    return this.backend.get(rlKey, this.counters.clock.now());
  }

  protected _delete(rlKey: string): Promise<boolean> {
    return this.backend.delete(rlKey);
  }
}
