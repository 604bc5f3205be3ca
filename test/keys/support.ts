import type { Express } from 'express';
import { type JWTVerifyResult, createRemoteJWKSet, jwtVerify } from 'jose';
import type { Harness } from '../support/harness.js';
import { serve } from '../support/listen.js';

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
  const server = await serve((req, res) => {
    if (req.url?.startsWith('/.well-known/jwks.json')) fetches++;
    app(req, res);
  });
  const jwks = createRemoteJWKSet(new URL(`${server.origin}/.well-known/jwks.json`));
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
    close: () => server.close(),
  };
}

export async function keyRows(h: Pick<Harness, 'database'>) {
  return h.database.db.prisma.signingKey.findMany({ orderBy: { activatesAt: 'asc' } });
}

export async function activeKeyCount(h: Pick<Harness, 'database'>) {
  return h.database.db.prisma.signingKey.count({ where: { state: 'active' } });
}
