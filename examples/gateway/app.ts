import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type AccessTokenClaims, createVerifier } from '@latchkey/verify';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

// An edge gateway: every request must carry a valid, unrevoked Latchkey access token; the
// upstream then receives who the caller is in X-Auth-* headers and never verifies a token itself.
// Headers are only as trustworthy as the path they travel: the upstream must be reachable only
// through this gateway (a private network, mTLS), and the gateway drops every X-Auth-* header a
// client sends, so none can be forged from outside.

export interface GatewayOptions {
  /** Latchkey's ISSUER. */
  issuer: string;
  /** The `aud` the gateway accepts (Latchkey's ACCESS_TOKEN_AUDIENCE). */
  audience: string;
  /** Where verified requests go, e.g. http://orders.internal:8080 */
  upstream: string;
  /** Where to fetch the JWKS when not at `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: URL;
}

const IDENTITY_PREFIX = 'x-auth-';

/** The identity the upstream receives: set only from a verified token. */
export function identityHeaders(claims: AccessTokenClaims): Record<string, string> {
  return {
    'X-Auth-Subject': headerValue(claims.sub),
    'X-Auth-Scope': (claims.scope ?? '').split(' ').filter(Boolean).map(headerValue).join(' '),
    'X-Auth-Roles': (claims.roles ?? []).map(headerValue).join(' '),
  };
}

export function createGateway(options: GatewayOptions) {
  const verifier = createVerifier({ issuer: options.issuer, audience: options.audience, jwksUri: options.jwksUrl?.href });

  const app = express();
  app.disable('x-powered-by');
  app.use(stripIdentityHeaders);
  app.use(verifier.requireAuth());
  app.use(
    createProxyMiddleware<Request, Response>({
      target: options.upstream,
      xfwd: true,
      on: {
        proxyReq: (proxyReq, req) => {
          for (const [name, value] of Object.entries(identityHeaders(req.auth!))) proxyReq.setHeader(name, value);
        },
        error: (_error, _req, res) => {
          badGateway(res);
        },
      },
    }),
  );
  return app;
}

/** Whatever X-Auth-* a client sent is dropped before anything else looks at the request. */
function stripIdentityHeaders(req: Request, _res: Response, next: NextFunction): void {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith(IDENTITY_PREFIX)) delete req.headers[name];
  }
  next();
}

/** Header-safe: visible ASCII as is, anything else percent-encoded (so a claim can never split a header). */
function headerValue(value: string): string {
  return value.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

function badGateway(res: ServerResponse | Socket): void {
  if (!('writeHead' in res)) {
    res.destroy();
    return;
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .writeHead(502, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: 'server_error', error_description: 'the upstream did not answer' }));
}
