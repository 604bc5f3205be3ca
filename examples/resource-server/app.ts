import { createVerifier } from '@latchkey/verify';
import express from 'express';

// A resource server (your API) that trusts Latchkey's access tokens, with @latchkey/verify:
// typ and algorithms pinned (RFC 9068 §4, RFC 8725 §3.1), iss and aud checked, the JWKS cached
// as long as its max-age says, and each token's status list consulted, so a logout reaches this
// API within STATUS_LIST_TTL without a call to Latchkey per request.

export interface ResourceServerOptions {
  /** Latchkey's ISSUER: the `iss` of every token; its JWKS and status lists live under it. */
  issuer: string;
  /** Latchkey's ACCESS_TOKEN_AUDIENCE: the `aud` this API accepts. */
  audience: string;
  /** Where to fetch the JWKS when not at `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: URL;
}

export function createResourceServer(options: ResourceServerOptions) {
  const verifier = createVerifier({ issuer: options.issuer, audience: options.audience, jwksUri: options.jwksUrl?.href });

  const app = express();
  app.disable('x-powered-by');
  app.get('/api/public', (_req, res) => {
    res.json({ message: 'anyone can read this' });
  });
  // Any valid, unrevoked access token.
  app.get('/api/profile', verifier.requireAuth(), (req, res) => {
    const claims = req.auth!;
    res.json({ userId: claims.sub, sessionId: claims.sid, expiresAt: new Date(claims.exp * 1000).toISOString() });
  });
  // A permission (RFC 9068 §2.2.3 `scope`): 403 insufficient_scope without it.
  app.get('/api/orders', verifier.requireAuth({ scope: ['orders:read'] }), (req, res) => {
    res.json({ orders: [], readBy: req.auth!.sub });
  });
  return app;
}
