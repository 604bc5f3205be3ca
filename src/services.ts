import type { Logger } from 'pino';
import type { AttemptGuard } from './limits/attempt-guard.js';
import { type Limits, createLimits } from './limits/limits.js';
import { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { KeyAdmin } from './keys/key-admin.js';
import { KeyRing } from './keys/key-ring.js';
import { Metrics } from './metrics.js';
import { Sealer } from './keys/sealing.js';
import { PasswordHasher } from './passwords/hashing.js';
import { ScopeCatalog } from './oauth/scope-catalog.js';
import type { SessionDeps } from './sessions/deps.js';
import { type Store, createStore } from './store/index.js';
import type { Database } from './store/database.js';
import { AccessTokens } from './tokens/access-token.js';
import { StatusLists } from './tokens/status-list.js';

/** Everything the HTTP layer needs, built once from its dependencies (tests build their own). */
export interface Services extends SessionDeps {
  /** Read side: signing key, verification keys, JWKS. */
  keys: KeyRing;
  /** Writes: the schedule, admin rotate and revoke. */
  keyAdmin: KeyAdmin;
  logger: Logger;
  metrics: Metrics;
  /** Request floods and brute force (src/limits/limits.ts). */
  limits: Limits;
  statusLists: StatusLists;
  /** Client authentications per client and per IP (src/limits/attempt-guard.ts). */
  clientAuthLimits: AttemptGuard;
  /** RFC 8414 scopes_supported. */
  scopeCatalog: ScopeCatalog;
}

export function createServices(input: {
  config: Config;
  db: Database;
  keyEncryptionKey: Buffer;
  clock: Clock;
  logger: Logger;
}): Services {
  const { config, clock, logger } = input;
  const store: Store = createStore(input.db);
  const sealer = new Sealer(input.keyEncryptionKey);
  const audit = new Audit(store.events, logger, clock);
  const keys = new KeyRing(store.signingKeys, sealer);
  const keyAdmin = new KeyAdmin(keys, store.signingKeys, sealer, config, clock, audit);
  const metrics = new Metrics({ keys, clock, databasePool: input.db.poolStats });
  const limits = createLimits({
    enabled: config.rateLimit,
    shared: store.kind === 'postgres' ? store.rateLimits : null,
    clock,
  });
  return {
    config,
    clock,
    logger,
    store,
    sealer,
    audit,
    keys,
    keyAdmin,
    hasher: new PasswordHasher(config.argon2),
    metrics,
    limits,
    clientAuthLimits: limits.clientSecretAttempts,
    scopeCatalog: new ScopeCatalog(() => store.roles.allScopes(), clock),
    accessTokens: new AccessTokens(keys, config, clock),
    statusLists: new StatusLists(store.statusSlots, keys, config, clock),
  };
}
