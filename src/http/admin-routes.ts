import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors.js';
import type { KeySummary } from '../keys/key-ring.js';
import type { Services } from '../services.js';
import { revokeUserSessions } from '../sessions/revoke-user-sessions.js';
import { registerUser } from '../users/register.js';
import { adminClientRoutes } from './admin-client-routes.js';
import { adminRoleRoutes } from './admin-role-routes.js';
import { requestContext } from './context.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { credentialsSchema, emailSchema, parse } from './validate.js';

const userQuery = z.strictObject({ email: emailSchema }, { message: 'must be ?email=…' });
const userIdParam = z.strictObject({ id: z.uuid({ message: 'must be a user id (UUID)' }) });
// RFC 7638 thumbprints are 43 base64url characters; anything else cannot be one of our kids.
const kidParam = z.strictObject({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a key id (base64url)') });
const rotateBody = z
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

  router
    .route('/users')
    .post(jsonBody({ required: true }), async (req, res) => {
      const input = parse(credentialsSchema, req.body);
      // Works with ALLOW_REGISTRATION=false: that switch only closes the public route.
      const user = await registerUser(deps, input, requestContext(req), 'admin_user_created');
      res.status(201).json({ id: user.id, email: user.email });
    })
    .get(async (req, res) => {
      const { email } = parse(userQuery, req.query, 'query');
      const user = await deps.store.users.findByEmail(email);
      if (!user) throw notFound('no user with this email');
      res.json({ id: user.id, email: user.email, createdAt: user.createdAt.toISOString() });
    })
    .all(methodNotAllowed('GET', 'HEAD', 'POST'));

  router
    .route('/users/:id/revoke-sessions')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { id } = parse(userIdParam, req.params, 'id');
      res.json({ revoked: await revokeUserSessions(deps, id, requestContext(req)) });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/keys')
    .get(async (_req, res) => {
      res.json({ keys: (await deps.keys.list()).map(keyView) });
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  router
    .route('/keys/rotate')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { now = false } = parse(rotateBody, req.body);
      const { ip, requestId } = requestContext(req);
      res.status(201).json(await deps.keys.rotate({ now }, { ip, requestId }));
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/keys/:kid/revoke')
    .post(jsonBody({ required: false }), async (req, res) => {
      // CONTRACT: 404 for an unknown kid; one that cannot be a kid is unknown too.
      const { kid } = kidParam.safeParse(req.params).data ?? {};
      if (!kid) throw notFound('no such key');
      const { ip, requestId } = requestContext(req);
      res.json(await deps.keys.revoke(kid, { ip, requestId }));
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
