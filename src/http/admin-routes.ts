import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors.js';
import type { KeySummary } from '../keys/key-admin.js';
import type { Services } from '../services.js';
import { adminUserRoutes } from './admin-user-routes.js';
import { adminClientRoutes } from './admin-client-routes.js';
import { adminRoleRoutes } from './admin-role-routes.js';
import { requestContext } from './context.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { parse } from './validate.js';

// RFC 7638 thumbprints are 43 base64url characters; anything else cannot be one of our kids.
const kidParam = z.strictObject({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a key id (base64url)') });
export const rotateBody = z
  .strictObject({ now: z.boolean({ message: 'must be true or false' }).optional() }, { message: 'must be a JSON object' })
  .default({});

/** Admin API (admin listener only): users, sessions, signing keys. See CONTRACT "Admin API". */
export function adminRoutes(deps: Services): Router {
  const router = Router();

  // Admin answers carry user data and key ids: never cached.
  router.use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  });

  // Users: create, find, list, disable, enable, delete, reset a password (src/http/admin-user-routes.ts).
  router.use(adminUserRoutes(deps));

  router
    .route('/keys')
    .get(async (_req, res) => {
      res.json({ keys: (await deps.keyAdmin.list()).map(keyView) });
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  router
    .route('/keys/rotate')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { now = false } = parse(rotateBody, req.body);
      const { ip, requestId } = requestContext(req);
      res.status(201).json(await deps.keyAdmin.rotate({ now }, { ip, requestId }));
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/keys/:kid/revoke')
    .post(jsonBody({ required: false }), async (req, res) => {
      // CONTRACT: 404 for an unknown kid; one that cannot be a kid is unknown too.
      const { kid } = kidParam.safeParse(req.params).data ?? {};
      if (!kid) throw notFound('no such key');
      const { ip, requestId } = requestContext(req);
      res.json(await deps.keyAdmin.revoke(kid, { ip, requestId }));
    })
    .all(methodNotAllowed('POST'));

  // Part 2: registered clients, roles and users' roles (their own files).
  router.use(adminClientRoutes(deps));
  router.use(adminRoleRoutes(deps));

  return router;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** Public facts about a key only: the sealed private JWK never leaves keys/ and store/. */
function keyView(k: KeySummary) {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    createdAt: iso(k.createdAt),
    activatesAt: iso(k.activatesAt),
    retiresAt: iso(k.retiresAt),
    removeAt: iso(k.removeAt),
    revokedAt: iso(k.revokedAt),
  };
}
