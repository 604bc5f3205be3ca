// What the session store hands out, and how the hot path's rows become it (src/store/sessions.ts,
// src/store/session-statements.ts).

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

/** A session just created, with its user's roles and permissions as of the creating statement. */
export interface NewSession extends SessionRecord {
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

/** A row of PRESENTED_TOKEN (src/store/session-statements.ts): the token, its session (s_*), the grants. */
export interface PresentedRow {
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

export type SessionRow = Omit<SessionRecord, 'scope'> & { scope: string | null };

const splitScope = (scope: string | null) => (scope === null ? null : scope.split(' ').filter(Boolean));

export function sessionRecord(row: SessionRow): SessionRecord {
  return { ...row, scope: splitScope(row.scope) };
}

export function presentedToken(row: PresentedRow): PresentedToken {
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
