import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent.js';
import { type Apps, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Services, createServices } from '../../src/services.js';
import type { Database } from '../../src/store/database.js';
import { FakeClock } from './clock.js';
import { type TestDatabase, freshDatabase } from './database.js';
import { LogCapture } from './logs.js';
import { checkedAgent } from './openapi.js';
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

export interface Harness {
  config: Config;
  clock: FakeClock;
  services: Services;
  apps: Apps;
  http: TestAgent;
  admin: TestAgent;
  logs: LogCapture;
  database: TestDatabase;
  keyEncryptionKey: Buffer;
  /** Another app instance on the same database (PostgreSQL only), sharing clock and keys' KEK. */
  startInstance(env?: Record<string, string>): Promise<Instance>;
  close(): Promise<void>;
}

export interface Instance {
  services: Services;
  apps: Apps;
  http: TestAgent;
  admin: TestAgent;
}

/** A whole Latchkey on a fresh database, a fake clock and captured logs; nothing listens. */
export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const config = testConfig(env, options);
  const database = await freshDatabase({ timeoutMs: config.databaseTimeout * 1000 });
  const clock = new FakeClock();
  const logs = new LogCapture();
  const keyEncryptionKey = randomBytes(32);
  const build = async (db: Database, cfg: Config): Promise<Instance> => {
    const services = createServices({ config: cfg, db, keyEncryptionKey, clock, logger: createLogger(cfg.logLevel, logs) });
    await services.keyAdmin.start();
    const apps = createApp({ ...services, lifecycle: { draining: false } });
    // Every response is checked against the OpenAPI description (test/support/openapi.ts).
    return {
      services,
      apps,
      http: checkedAgent(apps.public, publicApiDocument(cfg)),
      admin: checkedAgent(apps.admin, adminApiDocument(cfg)),
    };
  };
  const main = await build(database.db, config);
  return {
    ...main,
    config,
    clock,
    logs,
    database,
    keyEncryptionKey,
    startInstance: async (extra = {}) => build(await database.openAnother(), testConfig({ ...env, ...extra }, options)),
    close: () => database.drop(),
  };
}
