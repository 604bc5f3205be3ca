import type { PrismaClient } from './generated/client.js';
import type { Client } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';
import type { SessionStore } from './sessions.js';
import { type SqlRunner, defineStatement } from './sql.js';
import { TAKE_STATUS_SLOT } from './status-slots.js';

export type ClientType = 'confidential' | 'public';
export type GrantType = 'client_credentials' | 'refresh_token';

/** A registered client as stored: secrets only as SHA-256 hashes (src/clients/secret.ts). */
export interface ClientRecord {
  id: string;
  name: string;
  type: ClientType;
  grantTypes: GrantType[];
  scopes: string[];
  audience: string;
  secretHash: string | null;
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  secretRotatedAt: Date | null;
}

/** A client to register: the record less what the store sets (creation time, rotation state). */
export type NewClient = Pick<ClientRecord, 'id' | 'name' | 'type' | 'grantTypes' | 'scopes' | 'audience' | 'secretHash'>;

// Every token request authenticates a client and every client-credentials grant records its
// token: both are prepared statements (src/store/sql.ts).
const CLIENT_COLUMNS = `client_id AS "id", name, type::text AS "type", grant_types AS "grantTypes", scopes, audience,
  secret_hash AS "secretHash", previous_secret_hash AS "previousSecretHash",
  previous_secret_expires_at AS "previousSecretExpiresAt", created_at AS "createdAt", secret_rotated_at AS "secretRotatedAt"`;

const FIND_CLIENT = defineStatement('latchkey_find_client', `SELECT ${CLIENT_COLUMNS} FROM clients WHERE client_id = $1`);

/**
 * $1 jti, $2 client id, $3 now, $4 expiry, $5 reuse only status slots freed before this, $6 when
 * no token carrying the new slot verifies any more (expiry + skew). Only while the client exists
 * (a deleted client gets none). The token takes a status-list slot in the same statement
 * (TAKE_STATUS_SLOT), as a session does at login; the slot is free again from $6.
 */
const RECORD_CLIENT_TOKEN = defineStatement(
  'latchkey_record_client_token',
  `WITH client AS (
     SELECT client_id FROM clients WHERE client_id = $2
   ), slot_request AS (
     SELECT $1::uuid AS holder, $5::timestamptz AS reuse_before, 0 AS token_ttl, $6::timestamptz AS free_at FROM client
   ), ${TAKE_STATUS_SLOT}
   INSERT INTO client_tokens (jti, client_id, created_at, expires_at, status_slot)
   SELECT $1::uuid, client_id, $3, $4, (SELECT slot FROM taken_slot) FROM client
   RETURNING jti::text AS jti, status_slot AS "statusSlot"`,
);

/** A client-credentials token is live while its row is unrevoked and its client exists. */
const CLIENT_TOKEN_LIVE = defineStatement(
  'latchkey_client_token_live',
  `SELECT 1 AS live FROM client_tokens t JOIN clients c ON c.client_id = t.client_id
          WHERE t.jti = $1::uuid AND t.client_id = $2 AND t.revoked_at IS NULL`,
);

export class ClientStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
    private readonly sessions: SessionStore,
  ) {}

  async find(id: string): Promise<ClientRecord | null> {
    const rows = await this.sql.query<ClientRecord>(FIND_CLIENT, [id]);
    return rows[0] ?? null;
  }

  async list(): Promise<ClientRecord[]> {
    return (await this.prisma.client.findMany({ orderBy: { createdAt: 'asc' } })).map(toRecord);
  }

  /** The client and its creation event, together. */
  async create(client: NewClient, now: Date, event: SecurityEvent): Promise<ClientRecord> {
    const [row] = await this.prisma.$transaction([
      this.prisma.client.create({ data: { ...client, createdAt: now } }),
      this.prisma.securityEvent.create({ data: securityEventRow(event, now) }),
    ]);
    return toRecord(row);
  }

  /** Replaces the secret; the previous one stays valid until `previousValidUntil` (null: not at all). */
  async replaceSecret(
    id: string,
    secretHash: string,
    previous: { hash: string | null; validUntil: Date | null },
    now: Date,
    event: SecurityEvent,
  ): Promise<boolean> {
    const [updated] = await this.prisma.$transaction([
      this.prisma.client.updateMany({
        where: { id, type: 'confidential' },
        data: {
          secretHash,
          previousSecretHash: previous.hash,
          previousSecretExpiresAt: previous.validUntil,
          secretRotatedAt: now,
        },
      }),
      this.prisma.securityEvent.create({ data: securityEventRow(event, now) }),
    ]);
    return updated.count === 1;
  }

  /**
   * Deletes the client in one transaction with what must die with it: every session issued to
   * it is revoked (through the session store's revocation), its client-credentials tokens are
   * marked revoked, and the event is written. Nothing when it does not exist (false).
   */
  async delete(id: string, now: Date, event: SecurityEvent): Promise<{ deleted: boolean; sessionsRevoked: number }> {
    const exists = await this.prisma.client.count({ where: { id } });
    if (!exists) return { deleted: false, sessionsRevoked: 0 };
    const [sessions, , deleted] = await this.prisma.$transaction([
      this.sessions.revokeAllForClientOperation(id, 'client_deleted', now),
      this.prisma.clientToken.updateMany({ where: { clientId: id, revokedAt: null }, data: { revokedAt: now } }),
      this.prisma.client.deleteMany({ where: { id } }),
      this.prisma.securityEvent.create({ data: securityEventRow(event, now) }),
    ]);
    return { deleted: deleted.count === 1, sessionsRevoked: sessions.count };
  }

  /**
   * Records an issued client-credentials token with its status-list slot; undefined when the
   * client no longer exists.
   */
  async recordToken(input: {
    jti: string;
    clientId: string;
    now: Date;
    expiresAt: Date;
    statusReuseBefore: Date;
  }): Promise<{ statusSlot: number } | undefined> {
    const rows = await this.sql.query<{ jti: string; statusSlot: number }>(RECORD_CLIENT_TOKEN, [
      input.jti,
      input.clientId,
      input.now,
      input.expiresAt,
      input.statusReuseBefore,
      input.expiresAt,
    ]);
    return rows[0] ? { statusSlot: rows[0].statusSlot } : undefined;
  }

  async tokenIsLive(jti: string, clientId: string): Promise<boolean> {
    return (await this.sql.query(CLIENT_TOKEN_LIVE, [jti, clientId])).length === 1;
  }

  /** RFC 7009: marks one client-credentials token revoked (idempotent); false when unknown or not that client's. */
  async revokeToken(jti: string, clientId: string, now: Date, event: SecurityEvent): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.clientToken.updateMany({ where: { jti, clientId, revokedAt: null }, data: { revokedAt: now } });
      if (count) await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return count === 1;
    });
  }

  /** Housekeeping: a token's row is needed only until the token has expired. */
  async purgeTokens(expiredBefore: Date): Promise<number> {
    return (await this.prisma.clientToken.deleteMany({ where: { expiresAt: { lt: expiredBefore } } })).count;
  }
}

function toRecord(row: Client): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    grantTypes: row.grantTypes as GrantType[],
    scopes: row.scopes,
    audience: row.audience,
    secretHash: row.secretHash,
    previousSecretHash: row.previousSecretHash,
    previousSecretExpiresAt: row.previousSecretExpiresAt,
    createdAt: row.createdAt,
    secretRotatedAt: row.secretRotatedAt,
  };
}
