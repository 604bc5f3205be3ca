import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';
import { type SqlRunner, defineStatement } from './sql.js';

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  /** The status-list slot its access tokens carry (null for sessions from before status lists). */
  statusSlot: number | null;
  /** The client the session's refresh tokens were issued to ('latchkey': the cookie flow). */
  clientId: string;
  /** The scope asked for at login: the ceiling of every refresh (RFC 6749 §6); null: not narrowed. */
  scope: string[] | null;
}

/** The user's roles and the union of their permissions, read with the session (one round trip). */
export interface Grants {
  roles: string[];
  permissions: string[];
}

/** A refresh token as found by its hash, with what the rotation rules need to decide. */
export interface PresentedToken {
  id: string;
  createdAt: Date;
  usedAt: Date | null;
  successorId: string | null;
  successorSealed: string | null;
  successorUsedAt: Date | null;
  session: SessionRecord;
  /** The session's user is disabled: nothing of theirs refreshes (not even in the grace window). */
  userDisabled: boolean;
  /** The session user's roles and permissions as of this statement: what a new access token carries. */
  grants: Grants;
}

export interface SessionWithUser extends SessionRecord {
  user: { id: string; email: string; createdAt: Date } & Grants;
}

export interface NewRefreshToken {
  id: string;
  hash: string;
}

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'logout_others'
  | 'session_deleted'
  | 'password_changed'
  | 'password_reset'
  | 'user_disabled'
  | 'reuse_detected'
  | 'expired'
  | 'admin'
  | 'client_deleted'
  | 'revoked_by_client';

/** What the signed-in user sees of one of their sessions (GET /auth/sessions). */
export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

interface PresentedRow {
  id: string;
  created_at: Date;
  used_at: Date | null;
  successor_id: string | null;
  successor_sealed: string | null;
  successor_used_at: Date | null;
  s_id: string;
  s_user_id: string;
  s_created_at: Date;
  s_expires_at: Date;
  s_last_used_at: Date;
  s_revoked_at: Date | null;
  s_revoked_reason: string | null;
  s_status_slot: number | null;
  s_user_disabled: boolean;
  s_client_id: string;
  s_scope: string | null;
  roles: string[];
  permissions: string[];
}

export class SessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  /**
   * One login: the session, its first refresh token and the login's security event, written
   * together in one prepared statement (atomic, one round trip; a nested Prisma create would be
   * a four-round-trip transaction). The event gets the new session's id. Null, and nothing
   * written, when the user was disabled or deleted while the password was being checked.
   */
  async create(input: {
    userId: string;
    now: Date;
    expiresAt: Date;
    token: NewRefreshToken;
    ip: string | null;
    userAgent: string | null;
    /** Seconds an access token of this session may verify after the session ends (TTL + skew). */
    statusTokenTtl: number;
    /** Only slots freed before this instant are handed out again (src/tokens/status-list.ts). */
    statusReuseBefore: Date;
    event: SecurityEvent;

    /** Default: the first-party client 'latchkey'. */
    clientId?: string;
    /** The scope asked for at login; undefined: not narrowed. */
    scope?: readonly string[];
  }): Promise<SessionRecord | null> {
    const { userId, now, expiresAt, token, ip, event } = input;
    const userAgent = input.userAgent?.slice(0, 512) ?? null;
    const rows = await this.sql.query<SessionRow>(CREATE_SESSION, [
      randomUUID(),
      userId,
      now,
      expiresAt,
      ip,
      userAgent,
      token.id,
      token.hash,
      event.type,
      event.requestId ?? null,
      JSON.stringify(event.details ?? {}),
      input.statusTokenTtl,
      input.statusReuseBefore,
      input.clientId ?? FIRST_PARTY_CLIENT,
      input.scope ? input.scope.join(' ') : null,
    ]);
    return rows[0] ? sessionRecord(rows[0]) : null;
  }

  /** Every authenticated request asks this: is the access token's session still live, and whose is it? */
  async findSession(id: string): Promise<SessionWithUser | null> {
    const rows = await this.sql.query<SessionRow & Grants & { email: string; userCreatedAt: Date }>(FIND_SESSION, [id]);
    const row = rows[0];
    if (!row) return null;
    const { email, userCreatedAt, roles, permissions, ...session } = row;
    return { ...sessionRecord(session), user: { id: session.userId, email, createdAt: userCreatedAt, roles, permissions } };
  }

  /** One round trip: the token, its session and whether its successor was already used. */
  async findPresentedToken(tokenHash: string): Promise<PresentedToken | null> {
    const rows = await this.sql.query<PresentedRow>(FIND_PRESENTED, [tokenHash]);
    return rows[0] ? presentedToken(rows[0]) : null;
  }

  /**
   * The refresh happy path in one statement (one round trip, one commit): finds the presented
   * token with its session and, only if the token is unused and its session live and within
   * both expiries, marks it used, inserts its successor and touches the session.
   *
   * Exactly one of concurrent callers presenting the same token rotates: the UPDATE re-checks
   * `used_at IS NULL` on the latest row version after waiting for the row lock (PostgreSQL's
   * READ COMMITTED re-evaluation), so the others match nothing. The session row is locked
   * before the decision (FOR NO KEY UPDATE), so a revocation in flight (password change,
   * logout-others, disable) either waits for this rotation and then revokes the session it just
   * rotated, or commits first and this rotation sees it and rotates nothing. `found` is the
   * token as it was before this statement; `rotated` says whether this caller won.
   * READ COMMITTED re-evaluation), so the others match nothing. `found` is the token as it was
   * before this statement; `rotated` says whether this caller won.
   *
   * The token is bound to its client: presented by any other client (or a native app's token
   * at the cookie endpoint, and the reverse) the UPDATE matches nothing, so nothing is written;
   * likewise when `requestedScope` asks for more than the session's login scope (RFC 6749 §6).
   * The user's roles and permissions come back in the same statement (`found.grants`).
   */
  async presentAndRotate(input: {
    tokenHash: string;
    now: Date;
    /** Sessions last used at or before this instant are idle-expired (now − REFRESH_IDLE_TTL). */
    idleCutoff: Date;
    next: NewRefreshToken;
    successorSealed: string | null;
    /** The presenting client: only the client the session was issued to may rotate its tokens. */
    clientId: string;
    /** RFC 6749 §6: a narrower scope for this refresh; undefined: the session's scope. */
    requestedScope?: readonly string[];
  }): Promise<{ found: PresentedToken | null; rotated: boolean }> {
    const { tokenHash, now, idleCutoff, next, successorSealed } = input;
    const rows = await this.sql.query<PresentedRow & { rotated: number }>(PRESENT_AND_ROTATE, [
      tokenHash,
      now,
      idleCutoff,
      next.id,
      next.hash,
      successorSealed,
      input.clientId,
      input.requestedScope ? [...input.requestedScope] : null,
    ]);
    const row = rows[0];
    return { found: row ? presentedToken(row) : null, rotated: row?.rotated === 1 };
  }

  /** The newest token of a session (the one that would be live): for security events. */
  async newestTokenId(sessionId: string): Promise<string | null> {
    const token = await this.prisma.refreshToken.findFirst({
      where: { sessionId, successorId: null },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    return token?.id ?? null;
  }

  /**
   * Revokes a session (idempotent) and records the event in the same transaction,
   * so a revocation is never without its audit row. Returns whether it was live before.
   */
  async revoke(sessionId: string, reason: RevokeReason, now: Date, event?: SecurityEvent): Promise<boolean> {
    const [result] = await this.prisma.$transaction([
      this.prisma.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: now, revokedReason: reason },
      }),
      ...(event ? [this.prisma.securityEvent.create({ data: securityEventRow(event, now) })] : []),
    ]);
    return (result as { count: number }).count === 1;
  }

  /** Revokes every live session of a user (but `except`, the caller's own); returns how many. */
  async revokeAllForUser(
    userId: string,
    reason: RevokeReason,
    now: Date,
    event?: SecurityEvent,
    options: { except?: string } = {},
  ): Promise<number> {
    const where = options.except ? { userId, id: { not: options.except } } : { userId };
    const [result] = await this.prisma.$transaction([
      revokeSessions(this.prisma, where, reason, now),
      ...(event ? [this.prisma.securityEvent.create({ data: securityEventRow(event, now) })] : []),
    ]);
    return (result as { count: number }).count;
  }

  /**
   * Revokes one session only if it is a live session of this user (not revoked, within both
   * expiries), with its event; false otherwise, so the caller cannot tell "not yours" from
   * "no such session".
   */
  revokeOwn(input: {
    sessionId: string;
    userId: string;
    reason: RevokeReason;
    now: Date;
    idleCutoff: Date;
    event: SecurityEvent;
  }): Promise<boolean> {
    const { sessionId, userId, reason, now, idleCutoff, event } = input;
    return this.prisma.$transaction(async (tx) => {
      const where = { id: sessionId, userId, expiresAt: { gt: now }, lastUsedAt: { gt: idleCutoff } };
      const { count } = await revokeSessions(tx, where, reason, now);
      if (count === 1) await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return count === 1;
    });
  }

  /** A user's live sessions (not revoked, within both expiries), newest first. */
  listLive(userId: string, now: Date, idleCutoff: Date): Promise<SessionSummary[]> {
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now }, lastUsedAt: { gt: idleCutoff } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, createdAt: true, lastUsedAt: true, expiresAt: true, userAgent: true, ip: true },
    });
  }

  /**
   * The revocation of every live session issued to a client, as an operation for the caller's
   * transaction (client deletion: src/store/clients.ts), not yet run.
   */
  revokeAllForClientOperation(clientId: string, reason: RevokeReason, now: Date) {
    return this.prisma.session.updateMany({
      where: { clientId, revokedAt: null },
      data: { revokedAt: now, revokedReason: reason },
    });
  }

  /** Housekeeping: sealed successors outlive the grace window by nothing; dead sessions go after a retention period. */
  async purge(input: {
    sealedBefore: Date;
    sessionsEndedBefore: Date;
  }): Promise<{ sealedCleared: number; sessionsDeleted: number }> {
    const [sealed, sessions] = await this.prisma.$transaction([
      this.prisma.refreshToken.updateMany({
        where: { successorSealed: { not: null }, usedAt: { lt: input.sealedBefore } },
        data: { successorSealed: null },
      }),
      this.prisma.session.deleteMany({
        where: {
          OR: [{ expiresAt: { lt: input.sessionsEndedBefore } }, { revokedAt: { lt: input.sessionsEndedBefore } }],
        },
      }),
    ]);
    return { sealedCleared: sealed.count, sessionsDeleted: sessions.count };
  }
}

/**
 * The one way sessions are revoked: the live ones among `where`, with the reason. Account
 * changes (src/store/accounts.ts) call it inside their own transactions.
 */
export function revokeSessions(
  db: PrismaClient | Prisma.TransactionClient,
  where: Prisma.SessionWhereInput,
  reason: RevokeReason,
  now: Date,
) {
  return db.session.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
}

// The hot path's statements (prepared once per connection, src/store/sql.ts).

/**
 * The session user's role names and permissions: kept on the user row by every role change, in
 * the change's transaction (src/store/roles.ts), so reading them is one primary-key join.
 */
const GRANTS_OF_SESSION_USER = `u.role_names AS roles, u.permissions`;
/**
 * $1 session id, $2 user, $3 now, $4 expiry, $5 ip, $6 user agent, $7 token id, $8 token hash,
 * $9–$11 event type, request id, details, $12 the status slot's token lifetime (s), $13 reuse
 * only slots freed before this, $14 client id, $15 login scope (space-separated or null).
 *
 * Inserts nothing when the user is disabled or gone: FOR SHARE waits for a disable or delete in
 * progress (they lock the user row first, src/store/accounts.ts) and re-checks its outcome.
 * The session takes a status-list slot in the same statement: the lowest free one whose last
 * token has expired (SKIP LOCKED: concurrent logins take different ones), else a new one.
 */
const CREATE_SESSION = defineStatement(
  'latchkey_create_session',
  `
    WITH account AS (
      SELECT id FROM users WHERE id = $2::uuid AND disabled_at IS NULL FOR SHARE
    ), reusable AS (
      SELECT slot FROM status_slots WHERE free_at <= $13 AND EXISTS (SELECT 1 FROM account)
       ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED
    ), reused AS (
      UPDATE status_slots SET holder = $1::uuid, revoked = false, free_at = NULL, token_ttl = $12
       WHERE slot IN (SELECT slot FROM reusable)
      RETURNING slot
    ), fresh AS (
      INSERT INTO status_slots (holder, token_ttl) SELECT $1::uuid, $12 FROM account WHERE NOT EXISTS (SELECT 1 FROM reusable)
      RETURNING slot
    ), session AS (
      INSERT INTO sessions (id, user_id, created_at, expires_at, last_used_at, ip, user_agent, status_slot, client_id, scope)
      SELECT $1::uuid, account.id, $3, $4, $3, $5, $6, (SELECT slot FROM reused UNION ALL SELECT slot FROM fresh), $14, $15
        FROM account
      RETURNING id, user_id, created_at, expires_at, last_used_at, revoked_at, revoked_reason, status_slot, client_id, scope
    ), token AS (
      INSERT INTO refresh_tokens (id, session_id, token_hash, created_at)
      SELECT $7::uuid, id, $8, $3 FROM session
    ), event AS (
      INSERT INTO security_events (type, created_at, user_id, session_id, ip, request_id, details)
      SELECT $9, $3, user_id, id, $5, $10, $11::jsonb FROM session
    )
    SELECT id::text AS "id", user_id::text AS "userId", created_at AS "createdAt", expires_at AS "expiresAt",
           last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", revoked_reason AS "revokedReason",
           status_slot AS "statusSlot", client_id AS "clientId", scope
      FROM session`,
);

const FIND_SESSION = defineStatement(
  'latchkey_find_session',
  `
    SELECT s.id::text AS "id", s.user_id::text AS "userId", s.created_at AS "createdAt", s.expires_at AS "expiresAt",
           s.last_used_at AS "lastUsedAt", s.revoked_at AS "revokedAt", s.revoked_reason AS "revokedReason",
           s.status_slot AS "statusSlot", s.client_id AS "clientId", s.scope, u.email, u.created_at AS "userCreatedAt",
           ${GRANTS_OF_SESSION_USER}
      FROM sessions s
      JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
     WHERE s.id = $1::uuid`,
);

const PRESENTED_TOKEN = `
    SELECT t.id::text AS id, t.created_at, t.used_at, t.successor_id::text AS successor_id, t.successor_sealed,
           n.used_at AS successor_used_at, s.id::text AS s_id, s.user_id::text AS s_user_id, s.created_at AS s_created_at,
           s.expires_at AS s_expires_at, s.last_used_at AS s_last_used_at, s.revoked_at AS s_revoked_at,
           s.revoked_reason AS s_revoked_reason, s.status_slot AS s_status_slot, u.disabled_at IS NOT NULL AS s_user_disabled,
           s.client_id AS s_client_id, s.scope AS s_scope, ${GRANTS_OF_SESSION_USER}
      FROM refresh_tokens t
      JOIN sessions s ON s.id = t.session_id
      JOIN users u ON u.id = s.user_id
      LEFT JOIN refresh_tokens n ON n.id = t.successor_id
     WHERE t.token_hash = $1`;

const FIND_PRESENTED = defineStatement('latchkey_find_presented', PRESENTED_TOKEN);

/**
 * $1 token hash, $2 now, $3 idle cutoff, $4 successor id, $5 successor hash, $6 sealed successor,
 * $7 presenting client, $8 requested scope (text[] or null).
 *
 * `used_at` = $2 (arrival, app clock) + the whole seconds spent in the database until the row was
 * written (lock waits, stalls): the grace window counts from when the successor existed, and its
 * edges (whole seconds, like REFRESH_REUSE_INTERVAL) do not move with a normal statement's
 * milliseconds; tests keep their fake clock. `now()` starts before a prepared statement waits for
 * its locks; for the extended protocol `statement_timestamp()` is taken after that wait.
 */
export const PRESENT_AND_ROTATE = defineStatement(
  'latchkey_present_and_rotate',
  `
    WITH found AS (${PRESENTED_TOKEN}), parent AS (
      UPDATE refresh_tokens t
         SET used_at = $2::timestamptz + date_trunc('second', clock_timestamp() - now()),
             successor_id = $4::uuid, successor_sealed = $6
       WHERE t.token_hash = $1 AND t.used_at IS NULL
         AND EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
                      WHERE s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_used_at > $3
                        AND s.client_id = $7
                        AND ($8::text[] IS NULL OR s.scope IS NULL OR $8::text[] <@ string_to_array(s.scope, ' '))
                        FOR NO KEY UPDATE OF s)
      RETURNING t.session_id
    ), child AS (
      INSERT INTO refresh_tokens (id, session_id, token_hash, created_at)
      SELECT $4::uuid, session_id, $5, $2 FROM parent
      RETURNING id
    ), touched AS (
      UPDATE sessions SET last_used_at = $2 WHERE id IN (SELECT session_id FROM parent)
    )
    SELECT found.*, (SELECT count(*) FROM child)::int AS rotated FROM found`,
);

function presentedToken(row: PresentedRow): PresentedToken {
  return {
    id: row.id,
    createdAt: row.created_at,
    usedAt: row.used_at,
    successorId: row.successor_id,
    successorSealed: row.successor_sealed,
    successorUsedAt: row.successor_used_at,
    session: {
      id: row.s_id,
      userId: row.s_user_id,
      createdAt: row.s_created_at,
      expiresAt: row.s_expires_at,
      lastUsedAt: row.s_last_used_at,
      revokedAt: row.s_revoked_at,
      revokedReason: row.s_revoked_reason,
      statusSlot: row.s_status_slot,
      clientId: row.s_client_id,
      scope: splitScope(row.s_scope),
    },
    userDisabled: row.s_user_disabled,
    grants: { roles: row.roles, permissions: row.permissions },
  };
}

/** The first-party cookie flow's client id (tokens/access-token.ts FIRST_PARTY_CLIENT_ID). */
const FIRST_PARTY_CLIENT = 'latchkey';

type SessionRow = Omit<SessionRecord, 'scope'> & { scope: string | null };

const splitScope = (scope: string | null) => (scope === null ? null : scope.split(' ').filter(Boolean));

function sessionRecord(row: SessionRow): SessionRecord {
  return { ...row, scope: splitScope(row.scope) };
}
