import { Router } from 'express';
import { z } from 'zod';
import type { AttemptGuard } from '../limits/attempt-guard.js';
import { authenticate } from '../sessions/authenticate.js';
import type { SessionDeps } from '../sessions/deps.js';
import { type SignedIn, listSessions, logoutOthers, revokeOwnSession } from '../sessions/user-sessions.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import { changePassword } from '../users/password-change.js';
import { redeemPasswordReset } from '../users/password-reset.js';
import { requestContext } from './context.js';
import { clearRefreshCookie } from './cookies.js';
import { bearerToken } from './middleware/bearer.js';
import { jsonBody } from './middleware/body.js';
import { methodNotAllowed } from './middleware/errors.js';
import { parse, passwordSchema } from './validate.js';

export const passwordChangeSchema = z.strictObject(
  { current_password: passwordSchema, new_password: passwordSchema },
  { message: 'must be a JSON object' },
);
export const passwordResetSchema = z.strictObject(
  {
    reset_token: z.string({ message: 'must be a string' }).min(1, 'is required').max(512, 'is too long'),
    new_password: passwordSchema,
  },
  { message: 'must be a JSON object' },
);

const signedIn = (claims: AccessTokenClaims): SignedIn => ({ userId: claims.sub, sessionId: claims.sid });

/**
 * The signed-in user's account (CONTRACT Part 2 "Accounts and sessions"): their sessions and
 * their password, with a Bearer access token; and the password reset an operator started.
 * Mounted inside the /auth router (no-store, CORS as there).
 */
export function accountRoutes(deps: SessionDeps, limits: { loginAttempts?: AttemptGuard } = {}): Router {
  const router = Router();

  router
    .route('/sessions')
    .get(async (req, res) => {
      const { claims } = await authenticate(deps, bearerToken(req));
      const sessions = await listSessions(deps, signedIn(claims));
      res.json({
        sessions: sessions.map((s) => ({
          id: s.id,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
          userAgent: s.userAgent,
          ip: s.ip,
          current: s.current,
        })),
      });
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  router
    .route('/sessions/:id')
    .delete(async (req, res) => {
      const { claims } = await authenticate(deps, bearerToken(req));
      const id = String(req.params.id);
      await revokeOwnSession(deps, signedIn(claims), id, requestContext(req));
      // Ending one's own session is a logout: this browser's refresh cookie is dead too.
      if (id === claims.sid) clearRefreshCookie(res, deps.config);
      res.status(204).end();
    })
    .all(methodNotAllowed('DELETE'));

  router
    .route('/logout-others')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { claims } = await authenticate(deps, bearerToken(req));
      await logoutOthers(deps, signedIn(claims), requestContext(req));
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/password')
    .post(jsonBody({ required: true }), async (req, res) => {
      const { claims, user } = await authenticate(deps, bearerToken(req));
      const input = parse(passwordChangeSchema, req.body);
      await changePassword(
        deps,
        { ...signedIn(claims), email: user.email },
        { currentPassword: input.current_password, newPassword: input.new_password },
        requestContext(req),
        limits.loginAttempts,
      );
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/password/reset')
    .post(jsonBody({ required: true }), async (req, res) => {
      const input = parse(passwordResetSchema, req.body);
      await redeemPasswordReset(deps, { resetToken: input.reset_token, newPassword: input.new_password }, requestContext(req));
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  return router;
}
