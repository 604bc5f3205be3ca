// Peer for `npm run bench`: @node-oauth/oauth2-server's refresh_token grant on Express, with a
// minimal PostgreSQL model (pg) written from its documented model interface
// (getClient, getRefreshToken, revokeToken, saveToken). Rotation on: `alwaysIssueNewRefreshToken`
// (the library's default) revokes the presented refresh token and saves a new pair.
//
// Choices that favour the peer, so the comparison is conservative: the client is held in
// memory (no query), statements are named (prepared once per connection, as Latchkey's hot
// path), and the access token is the library's default: an opaque random string stored with
// the refresh token, not a signed JWT.
//
// Environment: DATABASE_URL (a fresh PostgreSQL database), PORT (0 = any), DATABASE_POOL_SIZE (10).
// Prints {"port": N} when it listens. POST /bench/chains?count=N makes N fresh refresh tokens
// (one user each) and answers {"tokens": [...]}: the bench's starting points.
import { randomBytes } from 'node:crypto';
import OAuth2Server from '@node-oauth/oauth2-server';
import express from 'express';
import pg from 'pg';

const { Request, Response } = OAuth2Server;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
export const CLIENT = { id: 'bench', secret: 'bench-client-secret' };
const ACCESS_TTL = 600;
const REFRESH_TTL = 30 * 86_400;

await pool.query(`
  CREATE TABLE IF NOT EXISTS oauth_tokens (
    access_token text NOT NULL,
    access_token_expires_at timestamptz NOT NULL,
    refresh_token text PRIMARY KEY,
    refresh_token_expires_at timestamptz NOT NULL,
    scope text,
    client_id text NOT NULL,
    user_id text NOT NULL
  )`);

const statements = {
  find: { name: 'find', text: 'SELECT * FROM oauth_tokens WHERE refresh_token = $1' },
  revoke: { name: 'revoke', text: 'DELETE FROM oauth_tokens WHERE refresh_token = $1' },
  save: {
    name: 'save',
    text: `INSERT INTO oauth_tokens (access_token, access_token_expires_at, refresh_token, refresh_token_expires_at, scope, client_id, user_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  },
};
const run = (statement, values) => pool.query({ ...statement, values });

const client = { id: CLIENT.id, grants: ['refresh_token'], accessTokenLifetime: ACCESS_TTL, refreshTokenLifetime: REFRESH_TTL };

const model = {
  async getClient(clientId, clientSecret) {
    return clientId === CLIENT.id && clientSecret === CLIENT.secret ? client : null;
  },
  async getRefreshToken(refreshToken) {
    const { rows } = await run(statements.find, [refreshToken]);
    const row = rows[0];
    if (!row) return null;
    return {
      refreshToken: row.refresh_token,
      refreshTokenExpiresAt: row.refresh_token_expires_at,
      scope: row.scope ?? undefined,
      client: { id: row.client_id },
      user: { id: row.user_id },
    };
  },
  async revokeToken(token) {
    const { rowCount } = await run(statements.revoke, [token.refreshToken]);
    return rowCount === 1;
  },
  async saveToken(token, tokenClient, user) {
    await run(statements.save, [
      token.accessToken,
      token.accessTokenExpiresAt,
      token.refreshToken,
      token.refreshTokenExpiresAt,
      token.scope ?? null,
      tokenClient.id,
      user.id,
    ]);
    return { ...token, client: tokenClient, user };
  },
};

const oauth = new OAuth2Server({ model, alwaysIssueNewRefreshToken: true });
const app = express();
app.disable('x-powered-by');

app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.token(new Request(req), response);
  } catch {
    // the library has set the error status and body on `response`
  }
  res.status(response.status).set(response.headers).json(response.body);
});

app.post('/bench/chains', async (req, res) => {
  const tokens = [];
  for (let i = 0; i < Number(req.query.count ?? 64); i++) {
    const token = randomBytes(32).toString('hex');
    const now = Date.now();
    await run(statements.save, [
      randomBytes(32).toString('hex'),
      new Date(now + ACCESS_TTL * 1000),
      token,
      new Date(now + REFRESH_TTL * 1000),
      null,
      CLIENT.id,
      `user-${i}`,
    ]);
    tokens.push(token);
  }
  res.json({ tokens });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on('SIGTERM', () => void pool.end().finally(() => process.exit(0)));
