import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import type { Logger } from 'pino';
import { type Config, SIGNING_ALGS } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Metrics } from '../metrics.js';
import type { ScopeCatalog } from '../oauth/scope-catalog.js';
import { methodNotAllowed } from './middleware/errors.js';
import { requestLineLogger } from '../logger.js';
import { pathOf, requestIdFor, writeRequestLine } from './middleware/request-log.js';
import { securityHeaderList } from './middleware/security-headers.js';

// Public, cacheable documents for resource servers: the JWKS (RFC 7517 §5) and the RFC 8414
// metadata. Every resource server fetches them, so they are the hottest requests a deployment
// sees and the cheapest to answer: body, ETag and headers are computed ahead, and a GET or HEAD
// is answered by `wellKnownDocuments` in one write, before Express (the public listener calls it
// first: src/app.ts `publicListener`) and, for the same app without that listener, first in the
// middleware stack.
// What that stack would add is added here: helmet's headers (computed once), CORS for any
// origin without credentials, X-Request-Id, metrics and the request's log line. Every other
// method, and a preflight, takes the regular stack (`wellKnownRoutes`).

interface Document {
  body: string;
  etag?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export interface WellKnownDeps {
  config: Config;
  keys: KeyRing;
  metrics: Metrics;
  logger: Logger;
  scopeCatalog: ScopeCatalog;
}

/**
 * Plain Node request and response, usable ahead of Express and as Express middleware alike:
 * true when it answered, false to let the request go on (no closure per request for `next`).
 */
export type DocumentHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** GET and HEAD of the two documents; anything else is not answered (false).*/
export function wellKnownDocuments({ config, keys, metrics, logger, scopeCatalog }: WellKnownDeps): DocumentHandler {
  const lines = requestLineLogger(logger);
  // Rebuilt only when the list of known scopes changes (src/oauth/scope-catalog.ts); the first
  // read below starts loading it now, so a fresh start advertises the scopes at once.
  scopeCatalog.current();
  let metadata: { scopes: readonly string[]; document: Document } | undefined;
  const metadataNow = (): Document => {
    const scopes = scopeCatalog.current();
    if (metadata?.scopes !== scopes) metadata = { scopes, document: { body: metadataDocument(config, scopes) } };
    return metadata.document;
  };
  const documents = new Map<string, () => Document>([
    ['/.well-known/jwks.json', () => keys.jwks()],
    ['/.well-known/oauth-authorization-server', metadataNow],
  ]);
  const fixedHeaders = [
    ...securityHeaderList(config),
    'Access-Control-Allow-Origin',
    '*',
    // max-age ≤ KEY_PREPUBLISH (checked by config): a cached copy always holds the next key in time.
    'Cache-Control',
    `public, max-age=${config.jwksMaxAge}`,
  ];

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // As Express routes: case-insensitive, with or without a trailing slash.
    const path = pathOf(req.url ?? '')
      .toLowerCase()
      .replace(/(.)\/$/, '$1');
    const document = documents.get(path)?.();
    if (!document) return false;
    const started = performance.now();
    const requestId = requestIdFor(req);
    const headers = ['X-Request-Id', requestId, ...fixedHeaders];
    let status = 200;
    if (document.etag) {
      headers.push('ETag', document.etag);
      if (ifNoneMatch(req.headers['if-none-match'], document.etag)) status = 304;
    }
    if (status === 200) headers.push('Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(document.body)));
    res.writeHead(status, headers);
    res.end(status === 200 ? document.body : undefined);
    metrics.recordRequest(req.method, path, status, (performance.now() - started) / 1000);
    writeRequestLine(lines, req, res, requestId, started);
    return true;
  };
}

/** What the documents' paths answer to other methods: a CORS preflight, or 405 with Allow. */
export function wellKnownRoutes(): Router {
  const router = Router();
  router.route('/jwks.json').all(methodNotAllowed('GET', 'HEAD'));
  router.route('/oauth-authorization-server').all(methodNotAllowed('GET', 'HEAD'));
  return router;
}

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

function metadataDocument(config: Config, scopes: readonly string[]): string {
  return JSON.stringify({
    issuer: config.issuer,
    jwks_uri: `${config.issuer}/.well-known/jwks.json`,
    // RFC 8414 §2 requires response_types_supported; Latchkey has no authorization endpoint.
    // Its first-party cookie endpoints are listed as latchkey_* members (§2 allows additional ones).
    response_types_supported: [],
    token_endpoint: `${config.issuer}/oauth/token`,
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    grant_types_supported: ['client_credentials', 'refresh_token'],
    // RFC 7009 §2 / RFC 8414 §2: a public client revokes its own tokens by client_id alone.
    revocation_endpoint: `${config.issuer}/oauth/revoke`,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    // RFC 7662 §2.1: introspection needs a confidential client.
    introspection_endpoint: `${config.issuer}/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // RFC 8414 §2: "MAY choose not to advertise some supported scope values": refreshed within a minute.
    scopes_supported: scopes,
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
}

/** RFC 9110 §13.1.2: weak comparison, any listed tag or `*`. */
function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
