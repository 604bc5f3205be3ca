import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from './clock.js';

export type LoginOutcome = 'success' | 'failure' | 'locked';
export type RefreshOutcome = 'rotated' | 'grace' | 'reuse_detected' | 'expired' | 'invalid';

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
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Prometheus metrics, one registry per app instance (served on the admin listener at /metrics).
 * Domain code increments the named counters; the middleware records every request; gauges
 * are read when scraped. Labels never carry raw paths or user input (bounded cardinality).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly logins = new Counter({
    name: 'latchkey_logins_total',
    help: 'Password logins by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'latchkey_refreshes_total',
    help: 'Refresh-token presentations by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'latchkey_rate_limit_rejections_total',
    help: 'Requests refused with 429 by limiter',
    labelNames: ['limiter'] as const,
    registers: [this.registry],
  });

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

  constructor(sources?: MetricSources) {
    // Process metrics (CPU, RSS, heap, GC) and event-loop lag: latchkey_process_*, latchkey_nodejs_*.
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    if (sources) this.#watch(sources);
  }

  /** Records request counts and latency by route template and status, once per request. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const method = METHODS.has(req.method) ? req.method : 'other';
      // A client that went away before the answer was sent has no status.
      const status = res.headersSent ? res.statusCode : 'aborted';
      this.recordRequest(method, routeTemplate(req), status, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

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

  readonly handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', this.registry.contentType).send(await this.registry.metrics());
  };

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

/**
 * The matched route as written in the code (`/admin/keys/:kid/revoke`), never the raw path.
 * Express keeps `req.route` (relative to its router) after an error left the router, but not
 * the router's mount path; mounts here are static, so the mount is the raw path's leading
 * segments that the route pattern does not account for.
 */
function routeTemplate(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  const routeSegments = pattern.split('/').filter(Boolean);
  const pathSegments = (req.originalUrl.split('?')[0] ?? '').split('/').filter(Boolean);
  const mount = pathSegments.slice(0, Math.max(0, pathSegments.length - routeSegments.length));
  return `/${[...mount.map((s) => s.toLowerCase()), ...routeSegments].join('/')}`;
}
