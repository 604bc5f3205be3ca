import { randomUUID } from 'node:crypto';
import type { PrismaClient } from './generated/client.js';
import type { SecurityEvent } from './security-events.js';
import {
  type Grants,
  type NewRefreshToken,
  type NewSession,
  type PresentedRow,
  type PresentedToken,
  type SessionRow,
  type SessionWithUser,
  presentedToken,
  sessionRecord,
} from './session-records.js';
import { SessionRevocations } from './session-revocation.js';
import { CREATE_SESSION, FIND_PRESENTED, FIND_SESSION, PRESENT_AND_ROTATE } from './session-statements.js';
import type { SqlRunner } from './sql.js';

export type {
  Grants,
  NewSession,
  NewRefreshToken,
  PresentedToken,
  RevokeReason,
  SessionRecord,
  SessionSummary,
  SessionWithUser,
} from './session-records.js';
export { revokeSessions } from './session-revocation.js';

/**
 * Sessions and their refresh tokens. Here the hot path: login, the session look-up of every
 * authenticated request, and the presentation and rotation of a refresh token, each one prepared
 * statement (src/store/session-statements.ts). Revocation, the user's list and housekeeping are
 * inherited (src/store/session-revocation.ts).
 */
export class SessionStore extends SessionRevocations {
  constructor(
    prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {
    super(prisma);
  }

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
  }): Promise<NewSession | null> {
    const { userId, now, expiresAt, token, ip, event } = input;
    const userAgent = input.userAgent?.slice(0, 512) ?? null;
    const rows = await this.sql.query<SessionRow & Grants>(CREATE_SESSION, [
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
    const row = rows[0];
    if (!row) return null;
    const { roles, permissions, ...session } = row;
    return { ...sessionRecord(session), grants: { roles, permissions } };
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
}

/** The first-party cookie flow's client id (tokens/access-token.ts FIRST_PARTY_CLIENT_ID). */
const FIRST_PARTY_CLIENT = 'latchkey';
