import type TestAgent from 'supertest/lib/agent.js';
import { type Apps, createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import type { Lifecycle } from '../../src/http/health-routes.js';
import { createLogger } from '../../src/logger.js';
import { type Services, createServices } from '../../src/services.js';
import type { Database } from '../../src/store/database.js';
import { type Harness, TEST_ARGON2, testConfig } from '../support/harness.js';
import { checkedAgent } from '../support/openapi.js';
import { publicApiDocument } from '../../src/http/openapi/document.js';

// Small helpers shared by the HTTP integration tests.

/** `$argon2id$v=19$m=…,p=…,t=…$salt$hash` (PHC string format) → its parameters; throws for anything else. */
export function argon2Params(phc: string): Record<'m' | 't' | 'p', number> {
  const match = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/.exec(phc);
  if (!match) throw new Error(`not an argon2id PHC string: ${phc.slice(0, 12)}…`);
  const params = Object.fromEntries(match[1]!.split(',').map((kv) => [kv[0], Number(kv.slice(2))]));
  return { m: params.m, t: params.t, p: params.p } as Record<'m' | 't' | 'p', number>;
}

export interface ExtraInstance {
  config: Config;
  services: Services;
  apps: Apps;
  http: TestAgent;
  lifecycle: Lifecycle;
}

/**
 * Another app built from the harness's pieces (same clock, same key-encryption key) with its
 * own configuration and a lifecycle the test controls. `db` defaults to the harness database
 * object itself, so this also works on an in-memory PGlite.
 */
export async function buildInstance(
  h: Harness,
  env: Record<string, string> = {},
  options: { db?: Database; startKeys?: boolean; lifecycle?: Lifecycle } = {},
): Promise<ExtraInstance> {
  const config = testConfig(env, { realArgon2: h.config.argon2 !== TEST_ARGON2 });
  const services = createServices({
    config,
    db: options.db ?? h.database.db,
    keyEncryptionKey: h.keyEncryptionKey,
    clock: h.clock,
    logger: createLogger('info', h.logs),
  });
  if (options.startKeys !== false) await services.keyAdmin.start();
  const lifecycle = options.lifecycle ?? { draining: false };
  const apps = createApp({ ...services, lifecycle });
  return { config, services, apps, http: checkedAgent(apps.public, publicApiDocument(config)), lifecycle };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
