import { AccountStore } from './accounts.js';
import { ClientStore } from './clients.js';
import type { Database } from './database.js';
import { RateLimitStore } from './rate-limits.js';
import { RoleStore } from './roles.js';
import { SecurityEventStore } from './security-events.js';
import { SessionStore } from './sessions.js';
import { SigningKeyStore } from './signing-keys.js';
import { StatusSlotStore } from './status-slots.js';
import { UserStore } from './users.js';

export type { Database } from './database.js';

/** The only place that talks to Prisma: one repository per aggregate. */
export interface Store {
  readonly kind: Database['kind'];
  readonly users: UserStore;
  /** Changes to one account across users, sessions, reset tokens and events (one transaction each). */
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly signingKeys: SigningKeyStore;
  readonly events: SecurityEventStore;
  readonly rateLimits: RateLimitStore;
  readonly statusSlots: StatusSlotStore;
  readonly clients: ClientStore;
  readonly roles: RoleStore;
  /** Readiness probe: one round trip to the database. */
  ping(): Promise<void>;
}

export function createStore(db: Database): Store {
  const sessions = new SessionStore(db.prisma, db.sql);
  return {
    kind: db.kind,
    users: new UserStore(db.prisma, db.sql),
    accounts: new AccountStore(db.prisma),
    sessions,
    clients: new ClientStore(db.prisma, db.sql, sessions),
    roles: new RoleStore(db.prisma, db.sql, db.kind === 'postgres'),
    signingKeys: new SigningKeyStore(db.prisma, db.kind === 'postgres'),
    events: new SecurityEventStore(db.prisma),
    rateLimits: new RateLimitStore(db.sql),
    statusSlots: new StatusSlotStore(db.prisma),
    async ping() {
      await db.prisma.$queryRaw`SELECT 1`;
    },
  };
}
