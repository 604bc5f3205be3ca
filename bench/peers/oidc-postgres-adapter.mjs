// A minimal PostgreSQL adapter for oidc-provider, written from its documented adapter interface
// (node-oidc-provider's example adapter: upsert, find, findByUserCode, findByUid, consume,
// destroy, revokeByGrantId), one table for every model, as its example SQL adapters do.
// Named statements (prepared once per connection), like Latchkey's hot path.

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS oidc_payloads (
    id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    PRIMARY KEY (id, type)
  );
  CREATE INDEX IF NOT EXISTS oidc_payloads_grant_id ON oidc_payloads (grant_id);
  CREATE INDEX IF NOT EXISTS oidc_payloads_user_code ON oidc_payloads (user_code);
  CREATE INDEX IF NOT EXISTS oidc_payloads_uid ON oidc_payloads (uid);`;

const SELECT = 'SELECT payload, consumed_at FROM oidc_payloads WHERE type = $1 AND';
const statements = {
  upsert: {
    name: 'oidc_upsert',
    text: `INSERT INTO oidc_payloads (id, type, payload, grant_id, user_code, uid, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id, type) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
             user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
  },
  find: { name: 'oidc_find', text: `${SELECT} id = $2` },
  findByUid: { name: 'oidc_find_uid', text: `${SELECT} uid = $2` },
  findByUserCode: { name: 'oidc_find_user_code', text: `${SELECT} user_code = $2` },
  consume: { name: 'oidc_consume', text: 'UPDATE oidc_payloads SET consumed_at = now() WHERE type = $1 AND id = $2' },
  destroy: { name: 'oidc_destroy', text: 'DELETE FROM oidc_payloads WHERE type = $1 AND id = $2' },
  revokeByGrantId: { name: 'oidc_revoke_grant', text: 'DELETE FROM oidc_payloads WHERE type = $1 AND grant_id = $2' },
};

/** Makes the adapter class oidc-provider's `adapter` option takes, over a pg.Pool. */
export function postgresAdapter(pool) {
  const run = (statement, values) => pool.query({ ...statement, values });
  const one = async (statement, values) => {
    const row = (await run(statement, values)).rows[0];
    if (!row) return undefined;
    return { ...row.payload, ...(row.consumed_at ? { consumed: true } : {}) };
  };
  return class PostgresAdapter {
    constructor(name) {
      this.name = name;
    }
    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      await run(statements.upsert, [
        id,
        this.name,
        payload,
        payload.grantId ?? null,
        payload.userCode ?? null,
        payload.uid ?? null,
        expiresAt,
      ]);
    }
    find(id) {
      return one(statements.find, [this.name, id]);
    }
    findByUid(uid) {
      return one(statements.findByUid, [this.name, uid]);
    }
    findByUserCode(userCode) {
      return one(statements.findByUserCode, [this.name, userCode]);
    }
    async consume(id) {
      await run(statements.consume, [this.name, id]);
    }
    async destroy(id) {
      await run(statements.destroy, [this.name, id]);
    }
    async revokeByGrantId(grantId) {
      await run(statements.revokeByGrantId, [this.name, grantId]);
    }
  };
}
