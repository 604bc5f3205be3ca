import { Router } from 'express';
import { type Config, SIGNING_ALGS } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import { methodNotAllowed } from './middleware/errors.js';

/** Public, cacheable documents for resource servers: the JWKS and RFC 8414 metadata. */
export function wellKnownRoutes(config: Config, keys: KeyRing): Router {
  const router = Router();
  const publicCors = (res: import('express').Response) => res.set('Access-Control-Allow-Origin', '*');

  router
    .route('/jwks.json')
    .get((req, res) => {
      const { body, etag } = keys.jwks();
      // max-age ≤ KEY_PREPUBLISH (checked by config): a cached copy always holds the next key in time.
      res.set({ 'Cache-Control': `public, max-age=${config.jwksMaxAge}`, ETag: etag });
      publicCors(res);
      if (ifNoneMatch(req.get('if-none-match'), etag)) return void res.status(304).end();
      res.type('application/json').send(body);
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  const metadata = JSON.stringify({
    issuer: config.issuer,
    jwks_uri: `${config.issuer}/.well-known/jwks.json`,
    // RFC 8414 §2 requires response_types_supported; Latchkey has no authorization endpoint.
    // Nor an OAuth token endpoint: refresh is cookie-based JSON, which a generic OAuth client
    // posting form-encoded grant_type=refresh_token would misuse, so none is advertised and
    // Latchkey's own endpoints are listed as latchkey_* members (§2 allows additional ones).
    response_types_supported: [],
    grant_types_supported: [],
    access_token_signing_alg_values_supported: [...SIGNING_ALGS],
    latchkey_registration_endpoint: config.allowRegistration ? `${config.issuer}/auth/register` : undefined,
    latchkey_login_endpoint: `${config.issuer}/auth/login`,
    latchkey_refresh_endpoint: `${config.issuer}/auth/refresh`,
    latchkey_logout_endpoint: `${config.issuer}/auth/logout`,
    latchkey_logout_all_endpoint: `${config.issuer}/auth/logout-all`,
    latchkey_userinfo_endpoint: `${config.issuer}/auth/me`,
    latchkey_access_token_typ: 'at+jwt',
    latchkey_access_token_audience: config.audience,
  });
  router
    .route('/oauth-authorization-server')
    .get((_req, res) => {
      res.set('Cache-Control', `public, max-age=${config.jwksMaxAge}`);
      publicCors(res);
      res.type('application/json').send(metadata);
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  return router;
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
