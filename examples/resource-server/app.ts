import express, { type NextFunction, type Request, type Response } from 'express';
import { type JWTPayload, createRemoteJWKSet, errors, jwtVerify } from 'jose';

// A resource server (your API) that trusts Latchkey's access tokens, with stock `jose` only.
// RFC 9068 §4 and RFC 8725 §3.1: pin the algorithms and the typ, check iss and aud.

export interface ResourceServerOptions {
  /** Where to fetch the JWKS, e.g. http://localhost:3000/.well-known/jwks.json */
  jwksUrl: URL;
  /** Latchkey's ISSUER: the `iss` of every token. */
  issuer: string;
  /** Latchkey's ACCESS_TOKEN_AUDIENCE: the `aud` this API accepts. */
  audience: string;
}

export function createResourceServer(options: ResourceServerOptions) {
  // Cached; re-fetched when a token carries an unknown kid. Latchkey publishes every key
  // before it signs, so key rotations never reach your users as 401s.
  const jwks = createRemoteJWKSet(options.jwksUrl);

  async function requireAccessToken(req: Request, res: Response, next: NextFunction) {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      // RFC 6750 §3.1: no credentials at all → a bare challenge.
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: 'invalid_token', error_description: 'access token required' });
      return;
    }
    try {
      const { payload } = await jwtVerify(match[1], jwks, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      });
      res.locals.claims = payload;
      next();
    } catch (error) {
      const description = error instanceof errors.JWTExpired ? 'access token expired' : 'access token is not valid';
      res
        .status(401)
        .set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${description}"`)
        .json({ error: 'invalid_token', error_description: description });
    }
  }

  const app = express();
  app.disable('x-powered-by');
  app.get('/api/public', (_req, res) => {
    res.json({ message: 'anyone can read this' });
  });
  app.get('/api/profile', requireAccessToken, (_req, res) => {
    const claims = res.locals.claims as JWTPayload & { sid?: string };
    // sub is the Latchkey user id; sid the session (to call /auth/me when logout must count at once).
    res.json({ userId: claims.sub, sessionId: claims.sid, expiresAt: new Date(claims.exp! * 1000).toISOString() });
  });
  return app;
}
