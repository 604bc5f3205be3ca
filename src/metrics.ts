import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from './clock.js';
import type { Refusal } from './limits/attempt-guard.js';
import type { LoginOutcome, OutcomeCounter, RefreshOutcome } from './sessions/outcome.js';

/** What the key-age gauge reads: the key this instance signs with, from memory (no key material). */
export interface KeyListing {
  hasSigningKey(): boolean;
  signingKey(): { kid: string; alg: string; activatesAt: Date };
}

/** Connection pool counters of node-postgres (`pg.Pool`'s totalCount, idleCount, waitingCount). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricSources {
  keys: KeyListing;
  clock: Clock;
  /** PostgreSQL only; the embedded PGlite is one in-process connection and has no pool. */
  databasePool?: () => PoolStats;
}

const PREFIX = 'latchkey_';

/**
 * Prometheus metrics, one registry per app instance (served on the admin listener at /metrics).
 * The domain returns outcomes, counted here (countLogin …); the HTTP middleware
 * (src/http/middleware/metrics.ts) records every request; gauges are read when scraped.
 * Labels never carry raw paths or user input (bounded cardinality).
 */
export class Metrics implements OutcomeCounter {
  readonly registry = new Registry();

  readonly logins = this.#counter('logins_total', 'Password logins by outcome', 'outcome');
  readonly refreshes = this.#counter('refreshes_total', 'Refresh-token presentations by outcome', 'outcome');
  readonly rateLimited = this.#counter('rate_limit_rejections_total', 'Requests refused with 429 by limiter', 'limiter');
  readonly httpRequests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  #counter<Label extends string>(name: string, help: string, label: Label): Counter<Label> {
    return new Counter({ name: `${PREFIX}${name}`, help, labelNames: [label], registers: [this.registry] });
  }

  constructor(sources?: MetricSources) {
    // Process metrics (CPU, RSS, heap, GC) and event-loop lag: latchkey_process_*, latchkey_nodejs_*.
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    if (sources) this.#watch(sources);
  }

  // Outcomes of the domain (src/sessions/outcome.ts), each to its counter: the one place they are counted.
  countLogin({ outcome, refusal }: { outcome: LoginOutcome; refusal?: Refusal }): void {
    this.logins.inc({ outcome });
    if (refusal) this.countRefusal(refusal);
  }

  countRefresh({ outcome }: { outcome: RefreshOutcome }): void {
    this.refreshes.inc({ outcome });
  }

  countRefusal({ limiter }: Refusal): void {
    this.rateLimited.inc({ limiter });
  }

  /** One finished request, for handlers that answer synchronously without the middleware (the public documents, src/http/well-known-routes.ts). */
  recordRequest(method: string, route: string, status: number | 'aborted', seconds: number): void {
    const series = this.#requestSeries(method, route, String(status));
    series.count.inc();
    series.duration.observe(seconds);
  }

  // The labelled children, resolved once per (method, route, status): prom-client would
  // otherwise validate and hash the label set on every request.
  readonly #series = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'method' | 'route' | 'status'> }>();
  #requestSeries(method: string, route: string, status: string) {
    const key = `${method} ${route} ${status}`;
    let series = this.#series.get(key);
    if (!series) {
      series = {
        count: this.httpRequests.labels(method, route, status),
        duration: this.httpDuration.labels(method, route, status),
      };
      this.#series.set(key, series);
    }
    return series;
  }

  #watch({ keys, clock, databasePool }: MetricSources): void {
    new Gauge({
      name: 'latchkey_signing_key_age_seconds',
      help: 'Seconds since the active signing key started signing',
      labelNames: ['kid', 'alg'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        // The key ring's snapshot: no database query per scrape.
        if (!keys.hasSigningKey()) return;
        const active = keys.signingKey();
        this.set({ kid: active.kid, alg: active.alg }, (clock.now().getTime() - active.activatesAt.getTime()) / 1000);
      },
    });
    if (!databasePool) return;
    new Gauge({
      name: 'latchkey_db_pool_connections',
      help: 'PostgreSQL pool connections by state (total = open, idle = open and unused)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = databasePool();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'latchkey_db_pool_waiting_queries',
      help: 'Queries waiting for a free PostgreSQL pool connection',
      registers: [this.registry],
      collect() {
        this.set(databasePool().waiting);
      },
    });
  }
}
