import type { PrismaClient } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';

export type KeyState = 'pending' | 'active' | 'retired' | 'removed' | 'revoked';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  state: KeyState;
  publicJwk: Record<string, unknown>;
  /** Private JWK sealed with KEY_ENCRYPTION_KEY; opened only by keys/. */
  sealedPrivateJwk: string;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  removeAt: Date | null;
  revokedAt: Date | null;
}

/** A change decided by keys/lifecycle.ts, applied here. */
export type KeyChange =
  | { type: 'create'; key: SigningKeyRecord }
  | { type: 'activate'; kid: string; at: Date }
  | { type: 'retire'; kid: string; at: Date; removeAt: Date }
  | { type: 'remove'; kid: string }
  | { type: 'revoke'; kid: string; at: Date };

// Any fixed 64-bit number shared by all instances: one key-schedule writer at a time.
const KEY_SCHEDULE_LOCK_ID = 7_253_911_040_222n;

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const toRecord = (row: Awaited<ReturnType<PrismaClient['signingKey']['findFirstOrThrow']>>): SigningKeyRecord => ({
  kid: row.kid,
  alg: row.alg,
  state: row.state,
  publicJwk: row.publicJwk as Record<string, unknown>,
  sealedPrivateJwk: row.privateJwk,
  createdAt: row.createdAt,
  activatesAt: row.activatesAt,
  retiredAt: row.retiredAt,
  removeAt: row.removeAt,
  revokedAt: row.revokedAt,
});

export class SigningKeyStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly usesAdvisoryLocks: boolean,
  ) {}

  /** Every key that is not removed (removed rows stay for audit). */
  async listLive(): Promise<SigningKeyRecord[]> {
    const rows = await this.prisma.signingKey.findMany({ where: { state: { not: 'removed' } }, orderBy: { activatesAt: 'asc' } });
    return rows.map(toRecord);
  }

  async listAll(): Promise<SigningKeyRecord[]> {
    const rows = await this.prisma.signingKey.findMany({ orderBy: { activatesAt: 'asc' } });
    return rows.map(toRecord);
  }

  /**
   * Runs `decide` on the current keys and applies its changes in one transaction under a
   * lock, so of several instances deciding at once only the first changes anything: the
   * others re-read the result and decide there is nothing to do. The partial unique index
   * `signing_keys_one_active` makes a second active key impossible whatever happens here.
   */
  async applyChanges<T>(
    decide: (keys: SigningKeyRecord[]) => { changes: KeyChange[]; events: SecurityEvent[]; result: T },
    now: Date,
  ): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      if (this.usesAdvisoryLocks) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_SCHEDULE_LOCK_ID})`;
      const keys = (await tx.signingKey.findMany({ where: { state: { not: 'removed' } }, orderBy: { activatesAt: 'asc' } })).map(
        toRecord,
      );
      const { changes, events, result } = decide(keys);
      for (const change of orderForUniqueActive(changes)) await applyChange(tx, change);
      for (const event of events) await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return result;
    });
  }
}

// The outgoing active key must leave `active` before the incoming one enters it.
function orderForUniqueActive(changes: KeyChange[]): KeyChange[] {
  const rank = (c: KeyChange) => (c.type === 'retire' || c.type === 'revoke' ? 0 : c.type === 'activate' ? 2 : 1);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}

async function applyChange(tx: Tx, change: KeyChange): Promise<void> {
  switch (change.type) {
    case 'create': {
      const { key } = change;
      await tx.signingKey.create({
        data: {
          kid: key.kid,
          alg: key.alg,
          state: key.state,
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: a JWK is not Prisma's InputJsonValue
          publicJwk: key.publicJwk as object,
          privateJwk: key.sealedPrivateJwk,
          createdAt: key.createdAt,
          activatesAt: key.activatesAt,
        },
      });
      return;
    }
    case 'activate':
      await tx.signingKey.update({ where: { kid: change.kid }, data: { state: 'active', activatesAt: change.at } });
      return;
    case 'retire':
      await tx.signingKey.update({
        where: { kid: change.kid },
        data: { state: 'retired', retiredAt: change.at, removeAt: change.removeAt },
      });
      return;
    case 'remove':
      await tx.signingKey.update({ where: { kid: change.kid }, data: { state: 'removed' } });
      return;
    case 'revoke':
      await tx.signingKey.update({ where: { kid: change.kid }, data: { state: 'revoked', revokedAt: change.at } });
      return;
  }
}
