// Peer for `npm run bench`: node-oidc-provider's refresh_token grant with the PostgreSQL adapter
// beside this file. Configured like Latchkey: refresh-token rotation on (`rotateRefreshToken:
// true`, reuse of a rotated token revokes the grant), ES256-signed JWT access tokens for one
// resource server (RFC 9068, resource indicators), 600 s access tokens, 30 d refresh tokens,
// no ID token (no `openid` scope). The client authenticates with client_secret_basic.
//
// Environment: DATABASE_URL (a fresh PostgreSQL database), PORT (0 = any), DATABASE_POOL_SIZE (10).
// Prints {"port": N} when it listens. POST /bench/chains?count=N makes N grants with a refresh
// token each, as a finished authorization-code flow would have, and answers {"tokens": [...]}.
// GET /jwks is the provider's own JWKS route (keys from configuration, no database).
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';
import pg from 'pg';
import { SCHEMA, postgresAdapter } from './oidc-postgres-adapter.mjs';

const ISSUER = 'https://bench.example';
const RESOURCE = 'https://api.bench.example';
export const CLIENT = { id: 'bench', secret: 'bench-client-secret-that-is-long-enough' };

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
await pool.query(SCHEMA);
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'ES256', use: 'sig' };

const provider = new Provider(ISSUER, {
  adapter: postgresAdapter(pool),
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['https://app.bench.example/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  rotateRefreshToken: true,
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  scopes: ['api', 'offline_access'],
  ttl: { AccessToken: 600, RefreshToken: 30 * 86_400, Grant: 30 * 86_400 },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: 'api',
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
provider.on('server_error', (_ctx, error) => console.error(error));

const client = await provider.Client.find(CLIENT.id);

/** A grant and its refresh token, as the authorization-code exchange leaves them. */
async function chain(accountId) {
  const grant = new provider.Grant({ accountId, clientId: CLIENT.id });
  grant.addResourceScope(RESOURCE, 'api offline_access');
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    accountId,
    client,
    grantId,
    gty: 'authorization_code',
    scope: 'api offline_access',
    resource: RESOURCE,
  });
  return token.save();
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/bench/chains')) {
    const count = Number(new URL(req.url, ISSUER).searchParams.get('count') ?? 64);
    const tokens = [];
    for (let i = 0; i < count; i++) tokens.push(await chain(`user-${i}`));
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ tokens }));
  }
  callback(req, res);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => void pool.end().finally(() => process.exit(0)));
