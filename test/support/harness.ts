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
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const database = await freshDatabase();
  const config = loadConfig({ ...TEST_ENV, ...env });
  const clock = new FakeClock();
  const logs = new LogCapture();
  const keyEncryptionKey = randomBytes(32);
  const build = async (db: Database, cfg: Config): Promise<Instance> => {
    const services = createServices({ config: cfg, db, keyEncryptionKey, clock, logger: createLogger(cfg.logLevel, logs) });
    await services.keys.start();
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
    startInstance: async (extra = {}) => build(await database.openAnother(), loadConfig({ ...TEST_ENV, ...env, ...extra })),
    close: () => database.drop(),
  };
}
