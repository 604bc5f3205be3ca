import { defineStatement } from './sql.js';
import { TAKE_STATUS_SLOT } from './status-slots.js';

// The hot path's statements: every login, every refresh and every authenticated request runs
// one of them (prepared once per connection, src/store/sql.ts; their callers: src/store/sessions.ts).

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
 * The session takes a status-list slot in the same statement (TAKE_STATUS_SLOT); the slot stays
 * held (free_at NULL) until the session ends. Answers the user's grants as of the locked row too:
 * the first access token's roles, without another round trip.
 */
export const CREATE_SESSION = defineStatement(
  'latchkey_create_session',
  `
    WITH account AS (
      SELECT id, role_names, permissions FROM users WHERE id = $2::uuid AND disabled_at IS NULL FOR SHARE
    ), slot_request AS (
      SELECT $1::uuid AS holder, $13::timestamptz AS reuse_before, $12::int AS token_ttl, NULL::timestamptz AS free_at
        FROM account
    ), ${TAKE_STATUS_SLOT}, session AS (
      INSERT INTO sessions (id, user_id, created_at, expires_at, last_used_at, ip, user_agent, status_slot, client_id, scope)
      SELECT $1::uuid, account.id, $3, $4, $3, $5, $6, (SELECT slot FROM taken_slot), $14, $15
        FROM account
      RETURNING id, user_id, created_at, expires_at, last_used_at, revoked_at, revoked_reason, status_slot, client_id, scope
    ), token AS (
      INSERT INTO refresh_tokens (id, session_id, token_hash, created_at)
      SELECT $7::uuid, id, $8, $3 FROM session
    ), event AS (
      INSERT INTO security_events (type, created_at, user_id, session_id, ip, request_id, details)
      SELECT $9, $3, user_id, id, $5, $10, $11::jsonb FROM session
    )
    SELECT s.id::text AS "id", s.user_id::text AS "userId", s.created_at AS "createdAt", s.expires_at AS "expiresAt",
           s.last_used_at AS "lastUsedAt", s.revoked_at AS "revokedAt", s.revoked_reason AS "revokedReason",
           s.status_slot AS "statusSlot", s.client_id AS "clientId", s.scope, ${GRANTS_OF_SESSION_USER}
      FROM session s, account u`,
);

export const FIND_SESSION = defineStatement(
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

export const FIND_PRESENTED = defineStatement('latchkey_find_presented', PRESENTED_TOKEN);

/**
 * $1 token hash, $2 now, $3 idle cutoff, $4 successor id, $5 successor hash, $6 sealed successor,
 * $7 presenting client, $8 requested scope (text[] or null).
 *
 * `used_at` = $2 (arrival, app clock) + the whole seconds spent in the database until the row was
 * written (lock waits, stalls): the grace window counts from when the successor existed, and its
 * edges (whole seconds, like REFRESH_REUSE_INTERVAL) do not move with a normal statement's
 * milliseconds; tests keep their fake clock. `now()` starts before a prepared statement waits for
 * its locks; for the extended protocol `statement_timestamp()` is taken after that wait.
 *
 * A live session here is liveSessionWhere's (src/store/session-revocation.ts): not revoked,
 * expires_at > now, last_used_at > idle cutoff; test/store/session-validity.test.ts holds them together.
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
