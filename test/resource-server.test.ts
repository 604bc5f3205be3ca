import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refresh, registerAndLogin } from './support/auth.js';
import { type ListeningHarness, startListeningHarness } from './support/harness.js';
import { type Listening, serve } from './support/listen.js';
import { closeAll } from './support/teardown.js';

// A resource server that knows nothing of Latchkey: stock `jose` only, as in the README.
// Latchkey listens on a real port; the API discovers the JWKS from the RFC 8414 metadata and
// verifies with a pinned algorithm list and typ (RFC 8725 §3.1, RFC 9068 §4).

let h: ListeningHarness;
let apiServer: Listening;
let api: string;

/** The whole resource server: what a team would write from the README. */
async function resourceServer(issuerUrl: string) {
  const metadata = (await (await fetch(`${issuerUrl}/.well-known/oauth-authorization-server`)).json()) as { jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  const app = express();
  app.get('/api/whoami', async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      const { payload } = await jwtVerify(token, jwks, {
        issuer: issuerUrl,
        audience: 'api',
        typ: 'at+jwt',
        algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      });
      res.json({ sub: payload.sub, sid: payload.sid });
    } catch {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
    }
  });
  return app;
}

beforeAll(async () => {
  // Latchkey listens, and ISSUER (the `iss` of every token) is its real listening URL.
  h = await startListeningHarness();
  apiServer = await serve(await resourceServer(h.origin));
  api = apiServer.origin;
});
afterAll(() => closeAll(apiServer, h));

const whoami = (token: string) => fetch(`${api}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });

describe('a separate resource server verifying Latchkey access tokens with stock jose', () => {
  it('accepts an issued access token and sees the user id', async () => {
    const user = await registerAndLogin(h);
    const res = await whoami(user.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: user.userId, sid: expect.any(String) });
  });

  it('accepts the access token of a refresh as well', async () => {
    const user = await registerAndLogin(h);
    const next = await refresh(h, user.refreshToken).expect(200);
    const res = await whoami(next.body.access_token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe(user.userId);
  });

  it('rejects a tampered token: changed claims or a changed signature', async () => {
    const user = await registerAndLogin(h);
    const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const otherSub = Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString(
      'base64url',
    );
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const forged of [`${header}.${otherSub}.${signature}`, `${header}.${payload}.${flipped}`, `${header}.${payload}.`]) {
      const res = await whoami(forged);
      expect(res.status).toBe(401);
    }
    // Control: the untampered token still passes.
    expect((await whoami(user.accessToken)).status).toBe(200);
  });

  it('rejects a request without a token', async () => {
    expect((await fetch(`${api}/api/whoami`)).status).toBe(401);
  });
});
