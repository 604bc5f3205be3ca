import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import { requestLineLogger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { MAX_LIST_ID, STATUS_LIST_MEDIA_TYPE, type StatusListDocument, type StatusLists } from '../tokens/status-list.js';
import { methodNotAllowed } from './middleware/errors.js';
import { pathOf, requestIdFor, writeRequestLine } from './middleware/request-log.js';
import { securityHeaderList } from './middleware/security-headers.js';
import type { DocumentHandler } from './well-known-routes.js';

const LIST_ID = /^[1-9][0-9]{0,4}$/;
const ROUTE = '/statuslists/:id';

interface StatusListDeps {
  config: Config;
  statusLists: StatusLists;
}

/** The route's own answer to If-None-Match: the list's ETag among the tags sent. */
const matches = (ifNoneMatch: string | undefined, doc: StatusListDocument) =>
  ifNoneMatch?.split(/\s*,\s*/).includes(doc.etag) ?? false;

const cacheControl = (config: Config) => `public, max-age=${config.statusListTtl}`;

/**
 * GET /statuslists/:id (draft-ietf-oauth-status-list-21 §8): the signed Status List Token,
 * public and cacheable like the JWKS; `max-age` = its `ttl`, so a resource server that caches
 * it sees a revocation within STATUS_LIST_TTL (+ the ≤ 1 s this instance keeps its copy).
 */
export function statusListRoutes(deps: StatusListDeps): Router {
  const router = Router();
  router
    .route('/:id')
    .get(async (req, res) => {
      const id = req.params.id;
      const doc = LIST_ID.test(id) && Number(id) <= MAX_LIST_ID ? await deps.statusLists.document(Number(id)) : undefined;
      if (!doc) throw notFound('no such status list');
      res.set({ 'Cache-Control': cacheControl(deps.config), ETag: doc.etag });
      if (matches(req.get('If-None-Match'), doc)) {
        res.status(304).end();
        return;
      }
      // §8: exactly this media type (a string body would get Express's charset parameter).
      res.set('Content-Type', STATUS_LIST_MEDIA_TYPE).send(Buffer.from(doc.jwt));
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}

const FAST_PATH = /^\/statuslists\/([1-9][0-9]{0,4})$/;

/**
 * The same answer ahead of Express, on the public listener (src/app.ts `publicListener`), for a
 * list this instance holds a fresh copy of: what the stack would send (X-Request-Id, helmet's
 * headers, CORS for any origin, the route's headers above, in that order), its metrics and its
 * request line, in one write. Anything else goes on to Express (`next`): another method, a path
 * Express would have to normalise (case, trailing slash, escapes), no Host on HTTP/1.1 (400
 * there), a list not cached or older than REBUILD_MS (built there, asynchronously), and an
 * If-None-Match the route does not match itself (Express's freshness check decides it).
 * test/http/status-list-fast-path.test.ts holds both answers byte-identical.
 */
export function statusListDocuments(deps: StatusListDeps & { metrics: Metrics; logger: Logger }): DocumentHandler {
  const { statusLists, metrics } = deps;
  const lines = requestLineLogger(deps.logger);
  // As the stack sets them: security headers, then CORS (src/app.ts: any origin, no credentials).
  const fixedHeaders = [
    ...securityHeaderList(deps.config),
    'Access-Control-Allow-Origin',
    '*',
    'Cache-Control',
    cacheControl(deps.config),
  ];
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req.url ?? '');
    const id = FAST_PATH.exec(path)?.[1];
    if (id === undefined || Number(id) > MAX_LIST_ID) return false;
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined) return false;
    const doc = statusLists.cachedDocument(Number(id));
    if (!doc) return false;
    const ifNoneMatch = req.headers['if-none-match'];
    const status = ifNoneMatch === undefined ? 200 : matches(ifNoneMatch, doc) ? 304 : 0;
    if (!status) return false;
    const started = performance.now();
    const requestId = requestIdFor(req);
    const headers = ['X-Request-Id', requestId, ...fixedHeaders, 'ETag', doc.etag];
    if (status === 200)
      headers.push('Content-Type', STATUS_LIST_MEDIA_TYPE, 'Content-Length', String(Buffer.byteLength(doc.jwt)));
    res.writeHead(status, headers);
    res.end(status === 200 && req.method === 'GET' ? doc.jwt : undefined);
    metrics.recordRequest(req.method, ROUTE, status, (performance.now() - started) / 1000);
    writeRequestLine(lines, req, res, requestId, started);
    return true;
  };
}
