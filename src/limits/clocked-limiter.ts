import { createRequire } from 'node:module';
import { type IRateLimiterOptions, RateLimiterRes, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { CounterBackend, CounterRow } from './counters.js';

// rate-limiter-flexible declares its store base class but does not export it from the index;
// the package is pinned to an exact version (package.json) because this path is not public API.
const require = createRequire(import.meta.url);
const StoreAbstract = require('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof RateLimiterStoreAbstract;

/** Run expired-counter housekeeping once every this many writes. */
const SWEEP_EVERY = 1000;

/**
 * rate-limiter-flexible's algorithms (consume, penalty, reward, block, set) over our own
 * counters, with time from the app's Clock instead of Date.now(): windows, blocks and
 * lockouts expire when the clock says so, and tests move a fake clock instead of waiting.
 */
export class ClockedRateLimiter extends StoreAbstract {
  #writes = 0;

  constructor(
    options: Omit<IRateLimiterOptions, 'insuranceLimiter' | 'execEvenly' | 'execEvenlyMinDelayMs'>,
    private readonly backend: CounterBackend,
    private readonly clock: Clock,
  ) {
    super({ ...options, storeClient: backend });
  }

  // The hooks below are RateLimiterStoreAbstract's storage contract (see its source).

  protected _getRateLimiterRes(_rlKey: string, changedPoints: number, row: CounterRow): RateLimiterRes {
    const msBeforeNext = row.expire === null ? -1 : Math.max(row.expire.getTime() - this.clock.now().getTime(), 0);
    return new RateLimiterRes(Math.max(this.points - row.points, 0), msBeforeNext, row.points, row.points === changedPoints);
  }

  protected async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterRow> {
    const now = this.clock.now();
    const expire = msDuration > 0 ? new Date(now.getTime() + msDuration) : null;
    // Housekeeping must not make this request wait or fail: the next sweep retries.
    if (++this.#writes % SWEEP_EVERY === 0) void this.backend.deleteExpired(now).catch(() => undefined);
    return this.backend.add(rlKey, points, expire, now, forceExpire);
  }

  protected _get(rlKey: string): Promise<CounterRow | null> {
    return this.backend.get(rlKey, this.clock.now());
  }

  protected _delete(rlKey: string): Promise<boolean> {
    return this.backend.delete(rlKey);
  }
}
