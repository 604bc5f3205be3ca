import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';

export type LoginOutcome = 'success' | 'failure' | 'locked';
export type RefreshOutcome = 'rotated' | 'grace' | 'reuse_detected' | 'expired' | 'invalid';

/**
 * Prometheus metrics, one registry per app instance (served on the admin listener at /metrics).
 * Domain code increments the named counters; the middleware records every request.
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
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Records request counts and latency by route and status. */
  readonly middleware: RequestHandler = (_req, _res, next) => next();

  readonly handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', this.registry.contentType).send(await this.registry.metrics());
  };
}
