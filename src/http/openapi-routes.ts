import { Router } from 'express';
import { methodNotAllowed } from './middleware/errors.js';
import type { OpenApiDocument } from './openapi/types.js';

/** GET /openapi.json: this listener's OpenAPI 3.1 document (src/http/openapi/document.ts), serialised once. */
export function openApiRoutes(document: OpenApiDocument): Router {
  const body = JSON.stringify(document);
  const router = Router();
  router
    .route('/openapi.json')
    .get((_req, res) => {
      // Changes with a deploy only; revalidate rather than serve a stale description.
      res.set('Cache-Control', 'no-cache').type('application/json').send(body);
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}
