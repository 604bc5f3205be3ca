import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent.js';
import { type Apps, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Services, createServices } from '../../src/services.js';
import type { Database } from '../../src/store/database.js';
import type { Lifecycle } from '../../src/http/health-routes.js';
import { FakeClock } from './clock.js';
import { type TestDatabase, freshDatabase } from './database.js';
import { type Listening, serve } from './listen.js';
import { LogCapture } from './logs.js';
import { checkedAgent } from './openapi.js';
import { closeAll } from './teardown.js';
import { adminApiDocument, publicApiDocument } from '../../src/http/openapi/document.js';

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  ISSUER: 'http://localhost:3000',
  COOKIE_SECURE: 'false',
  LOG_LEVEL: 'info',
};

/**
 * Tests that do not test hashing pay for a cheap argon2id (one pass over 1 MiB instead of two
 * over 19 MiB: ~1 ms instead of ~54 ms a hash). Config refuses such parameters, so they are set
 * here, after loading. A test that sets any ARGON2_* variable, or asks for `realArgon2`, gets
 * the configured parameters.
 */
export const TEST_ARGON2: Config['argon2'] = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export interface HarnessOptions {
  realArgon2?: boolean;
}

/** The configuration a test instance runs with (see TEST_ARGON2). */
export function testConfig(env: Record<string, string>, options: HarnessOptions = {}): Config {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const real = options.realArgon2 || Object.keys(env).some((name) => name.startsWith('ARGON2_'));
  return real ? config : Object.freeze({ ...config, argon2: TEST_ARGON2 });
}

export interface Instance {
  config: Config;
  services: Services;
  apps: Apps;
  http: TestAgent;
  admin: TestAgent;
  /** The instance's lifecycle (set `draining` to see it drain). */
  lifecycle: Lifecycle;
}

export interface InstanceOptions {
  /** Its database connection; the harness's own by default (works on an in-memory PGlite). */
  db?: Database;
  /** Its KEY_ENCRYPTION_KEY; the harness's by default. */
  keyEncryptionKey?: Buffer;
  /** Whether to load the signing keys before it answers (true by default). */
  startKeys?: boolean;
}

export interface Harness extends Instance {
  clock: FakeClock;
  logs: LogCapture;
  database: TestDatabase;
  keyEncryptionKey: Buffer;
  /**
   * Another app instance built from the harness's pieces (same clock, logs and key-encryption
   * key), as a restart or a rolling deploy would run it: the harness's environment with `env`
   * over it. Shares the harness's database connection unless `options.db` says otherwise.
   */
  buildInstance(env?: Record<string, string>, options?: InstanceOptions): Promise<Instance>;
  /** Another app instance with a connection pool of its own on the same database (PostgreSQL only). */
  startInstance(env?: Record<string, string>): Promise<Instance>;
  close(): Promise<void>;
}

/** A whole Latchkey on a fresh database, a fake clock and captured logs; nothing listens. */
export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const config = testConfig(env, options);
  const database = await freshDatabase({ timeoutMs: config.databaseTimeout * 1000 });
  const clock = new FakeClock();
  const logs = new LogCapture();
  const keyEncryptionKey = randomBytes(32);
  // The one way tests build an app: every instance of this harness comes from here.
  const buildInstance = async (extra: Record<string, string> = {}, instance: InstanceOptions = {}): Promise<Instance> => {
    const cfg = testConfig({ ...env, ...extra }, options);
    const services = createServices({
      config: cfg,
      db: instance.db ?? database.db,
      keyEncryptionKey: instance.keyEncryptionKey ?? keyEncryptionKey,
      clock,
      logger: createLogger(cfg.logLevel, logs),
    });
    if (instance.startKeys !== false) await services.keyAdmin.start();
    const lifecycle: Lifecycle = { draining: false };
    const apps = createApp({ ...services, lifecycle });
    // Every response is checked against the OpenAPI description (test/support/openapi.ts).
    return {
      config: cfg,
      services,
      apps,
      http: checkedAgent(apps.public, publicApiDocument(cfg)),
      admin: checkedAgent(apps.admin, adminApiDocument(cfg)),
      lifecycle,
    };
  };
  let main: Instance;
  try {
    main = await buildInstance();
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    ...main,
    clock,
    logs,
    database,
    keyEncryptionKey,
    buildInstance,
    startInstance: async (extra = {}) => buildInstance(extra, { db: await database.openAnother() }),
    close: () => database.drop(),
  };
}

export interface ListeningHarness extends Harness {
  /** The public app's real origin (http://127.0.0.1:<port>), which is also its ISSUER. */
  origin: string;
  listener: Listening;
}

/**
 * A harness whose public app listens on a real port, with ISSUER that port's origin: for
 * clients that fetch discovery, the JWKS or status lists over HTTP. `close()` stops both.
 */
export async function startListeningHarness(
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<ListeningHarness> {
  const listener = await serve();
  try {
    const h = await startHarness({ ISSUER: listener.origin, ...env }, options);
    listener.server.on('request', h.apps.public);
    return { ...h, origin: listener.origin, listener, close: () => closeAll(listener, h) };
  } catch (error) {
    await listener.close();
    throw error;
  }
}
