import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors.js';
import type { Services } from '../services.js';
import { revokeUserSessions } from '../sessions/revoke-user-sessions.js';
import type { UserSummary } from '../store/users.js';
import { deleteUser, disableUser, enableUser, findUser } from '../users/account-state.js';
import { USER_PAGE_DEFAULT, USER_PAGE_MAX, listUsers } from '../users/list.js';
import { issuePasswordReset } from '../users/password-reset.js';
import { registerUser } from '../users/register.js';
import { requestContext } from './context.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { credentialsSchema, emailSchema, parse } from './validate.js';

const userByEmail = z.strictObject({ email: emailSchema });
const userPage = z.strictObject(
  {
    limit: z.coerce
      .number({ message: `must be an integer from 1 to ${USER_PAGE_MAX}` })
      .int(`must be an integer from 1 to ${USER_PAGE_MAX}`)
      .min(1, `must be an integer from 1 to ${USER_PAGE_MAX}`)
      .max(USER_PAGE_MAX, `must be an integer from 1 to ${USER_PAGE_MAX}`)
      .default(USER_PAGE_DEFAULT),
    cursor: z.string({ message: 'must be a cursor from next_cursor' }).max(256, 'is not a cursor this server issued').optional(),
  },
  { message: 'must be ?email=… or ?limit=…&cursor=…' },
);
const userIdParam = z.strictObject({ id: z.uuid({ message: 'must be a user id (UUID)' }) });

/** What the admin API shows of a user (never the password hash). */
const userView = (u: UserSummary) => ({
  id: u.id,
  email: u.email,
  createdAt: u.createdAt.toISOString(),
  disabled: u.disabledAt !== null,
});

/** Admin API, users (CONTRACT "Admin API" and Part 2 "Accounts and sessions"). */
export function adminUserRoutes(deps: Services): Router {
  const router = Router();
  const userId = (params: unknown) => parse(userIdParam, params, 'id').id;

  router
    .route('/users')
    .post(jsonBody({ required: true }), async (req, res) => {
      const input = parse(credentialsSchema, req.body);
      // Works with ALLOW_REGISTRATION=false: that switch only closes the public route.
      const user = await registerUser(deps, input, requestContext(req), 'admin_user_created');
      res.status(201).json({ id: user.id, email: user.email });
    })
    .get(async (req, res) => {
      if (Object.hasOwn(req.query, 'email')) {
        // The original look-up, as the CLI uses it: one user or 404.
        const { email } = parse(userByEmail, req.query, 'query');
        const user = await deps.store.users.findByEmail(email);
        if (!user) throw notFound('no user with this email');
        res.json({ id: user.id, email: user.email, createdAt: user.createdAt.toISOString() });
        return;
      }
      const { limit, cursor } = parse(userPage, req.query, 'query');
      const page = await listUsers(deps, { limit, cursor });
      res.json({ users: page.users.map(userView), next_cursor: page.nextCursor });
    })
    .all(methodNotAllowed('GET', 'HEAD', 'POST'));

  router
    .route('/users/:id')
    .get(async (req, res) => {
      const user = await findUser(deps, userId(req.params));
      // CONTRACT Part 2: the one user's view names their roles too.
      res.json({ ...userView(user), roles: (await deps.store.roles.grantsOf(user.id)).roles });
    })
    .delete(async (req, res) => {
      await deleteUser(deps, userId(req.params), requestContext(req));
      res.status(204).end();
    })
    .all(methodNotAllowed('GET', 'HEAD', 'DELETE'));

  router
    .route('/users/:id/revoke-sessions')
    .post(jsonBody({ required: false }), async (req, res) => {
      res.json({ revoked: await revokeUserSessions(deps, userId(req.params), requestContext(req)) });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/users/:id/password-reset')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { resetToken, expiresAt } = await issuePasswordReset(deps, userId(req.params), requestContext(req));
      res.status(201).json({ reset_token: resetToken, expiresAt: expiresAt.toISOString() });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/users/:id/disable')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { user, revoked } = await disableUser(deps, userId(req.params), requestContext(req));
      res.json({ ...userView(user), revoked });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/users/:id/enable')
    .post(jsonBody({ required: false }), async (req, res) => {
      res.json(userView(await enableUser(deps, userId(req.params), requestContext(req))));
    })
    .all(methodNotAllowed('POST'));

  return router;
}
