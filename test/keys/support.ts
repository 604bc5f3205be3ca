import { type Server, createServer } from 'node:http';
import type { Express } from 'express';
import { type JWTVerifyResult, createRemoteJWKSet, jwtVerify } from 'jose';
import type { Harness } from '../support/harness.js';

/** What a resource server with stock jose does (README "Verifying tokens in your API"). */
export interface RemoteVerifier {
  verify(token: string): Promise<JWTVerifyResult>;
  /** How many times the JWKS was fetched from the listening app. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/**
 * Serves `app` on a real port and builds a `createRemoteJWKSet` client for it; the clock of
 * the verification is the harness's fake clock (the JWKS cache runs on real time).
 */
export async function remoteVerifier(h: Pick<Harness, 'clock' | 'config'>, app: Express): Promise<RemoteVerifier> {
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/.well-known/jwks.json')) fetches++;
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`));
  return {
    verify: (token) =>
      jwtVerify(token, jwks, {
        issuer: h.config.issuer,
        audience: h.config.audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
        currentDate: h.clock.now(),
      }),
    jwksFetches: () => fetches,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function keyRows(h: Pick<Harness, 'database'>) {
  return h.database.db.prisma.signingKey.findMany({ orderBy: { activatesAt: 'asc' } });
}

export async function activeKeyCount(h: Pick<Harness, 'database'>) {
  return h.database.db.prisma.signingKey.count({ where: { state: 'active' } });
}
