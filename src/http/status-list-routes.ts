import { Router } from 'express';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import { MAX_LIST_ID, STATUS_LIST_MEDIA_TYPE, type StatusLists } from '../tokens/status-list.js';
import { methodNotAllowed } from './middleware/errors.js';

const LIST_ID = /^[1-9][0-9]{0,4}$/;

/**
 * GET /statuslists/:id (draft-ietf-oauth-status-list-21 §8): the signed Status List Token,
 * public and cacheable like the JWKS; `max-age` = its `ttl`, so a resource server that caches
 * it sees a revocation within STATUS_LIST_TTL (+ the ≤ 1 s this instance keeps its copy).
 */
export function statusListRoutes(deps: { config: Config; statusLists: StatusLists }): Router {
  const router = Router();
  router
    .route('/:id')
    .get(async (req, res) => {
      const id = req.params.id;
      const doc = LIST_ID.test(id) && Number(id) <= MAX_LIST_ID ? await deps.statusLists.document(Number(id)) : undefined;
      if (!doc) throw notFound('no such status list');
      res.set({ 'Cache-Control': `public, max-age=${deps.config.statusListTtl}`, ETag: doc.etag });
      if (
        req
          .get('If-None-Match')
          ?.split(/\s*,\s*/)
          .includes(doc.etag)
      ) {
        res.status(304).end();
        return;
      }
      // §8: exactly this media type (a string body would get Express's charset parameter).
      res.set('Content-Type', STATUS_LIST_MEDIA_TYPE).send(Buffer.from(doc.jwt));
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}
