import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import supertest from 'supertest';
import { healthRoutes } from '../../src/http/health-routes.js';
import { errorHandler } from '../../src/http/middleware/errors.js';
import { freshDatabase } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';

// GET /healthz (liveness) and GET /readyz (readiness: database reachable and an active
// signing key; 503 temporarily_unavailable otherwise and while draining).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const expectUnavailable = (res: { status: number; body: unknown; headers: Record<string, string> }) => {
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
};

describe('GET /healthz', () => {
  it('answers 200 while the process runs, uncached', async () => {
    const res = await h.http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /readyz', () => {
  it('answers 200 ready when the database answers and a key signs', async () => {
    const res = await h.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 while draining, and 200 again if draining is called off; /healthz stays 200', async () => {
    const instance = await h.buildInstance();
    await instance.http.get('/readyz').expect(200);
    instance.lifecycle.draining = true;
    expectUnavailable(await instance.http.get('/readyz'));
    await instance.http.get('/healthz').expect(200);
    instance.lifecycle.draining = false;
    await instance.http.get('/readyz').expect(200);
  });

  it('answers 503 before a signing key is loaded', async () => {
    const instance = await h.buildInstance({}, { startKeys: false });
    expectUnavailable(await instance.http.get('/readyz'));
    await instance.services.keyAdmin.start();
    await instance.http.get('/readyz').expect(200);
  });

  it('answers 503 when the database is gone, while /healthz stays 200', async () => {
    const database = await freshDatabase();
    const instance = await h.buildInstance({}, { db: database.db });
    await instance.http.get('/readyz').expect(200);
    await database.drop(); // closes the connections (and drops the PostgreSQL database)
    expectUnavailable(await instance.http.get('/readyz'));
    await instance.http.get('/healthz').expect(200);
  });

  it('answers 503 when the database hangs instead of hanging the probe', async () => {
    const hung = { ...h.services.store, ping: () => new Promise<void>(() => {}) };
    const app = express()
      .use(healthRoutes(hung, h.services.keys, { draining: false }, 50))
      .use(errorHandler);
    expectUnavailable(await supertest(app).get('/readyz'));
  });
});
