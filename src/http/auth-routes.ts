import { type ErrorRequestHandler, type RequestHandler, type Response, Router } from 'express';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AttemptGuard } from '../limits/attempt-guard.js';
import { authenticate } from '../sessions/authenticate.js';
import type { IssuedTokens, SessionDeps } from '../sessions/deps.js';
import { login } from '../sessions/login.js';
import { logout, logoutAll } from '../sessions/logout.js';
import { rotateRefreshToken } from '../sessions/refresh.js';
import type { ClientAuthDeps } from '../oauth/client-auth.js';
import { registerUser } from '../users/register.js';
import { accountRoutes } from './account-routes.js';
import { requestContext } from './context.js';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './cookies.js';
import { bearerToken } from './middleware/bearer.js';
import { jsonBody } from './middleware/body.js';
import { sameOriginOnly } from './middleware/csrf.js';
import { methodNotAllowed } from './middleware/errors.js';
import { credentialsSchema, parse } from './validate.js';
import { loginClient, loginSchema, sendNativeTokens } from './login-client.js';

/** The limits as middleware (src/http/middleware/rate-limit.ts; decided in src/limits/limits.ts). */
export interface AuthRouteLimits {
  register: RequestHandler;
  /** Sees a failed registration (e.g. email_taken) before it is answered. */
  registerRejected: ErrorRequestHandler;
  login: RequestHandler;
  /** Brute-force guard for passwords (login, password change): src/limits/attempt-guard.ts. */
  loginAttempts: AttemptGuard;
  refresh: RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();
const passError: ErrorRequestHandler = (error, _req, _res, next) => next(error);

/** Thin routes: parse, call the domain, shape the response. The rules live in sessions/. */
export function authRoutes(deps: SessionDeps & ClientAuthDeps, limits: Partial<AuthRouteLimits> = {}): Router {
  const { config } = deps;
  const router = Router();
  const csrf = sameOriginOnly(config.allowedOrigins);

  // RFC 6749 §5.1: token responses (and everything else here) must not be cached.
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    next();
  });

  // Contract: 404 when registration is off. The route is then not mounted at all, so no
  // method, content type or body tells it apart from any unknown path.
  if (config.allowRegistration) {
    router
      .route('/register')
      .post(limits.register ?? pass, jsonBody({ required: true }), async (req, res) => {
        const input = parse(credentialsSchema, req.body);
        const user = await registerUser(deps, input, requestContext(req));
        res.status(201).json({ id: user.id, email: user.email });
      })
      .all(methodNotAllowed('POST'));
    router.use('/register', limits.registerRejected ?? passError);
  }

  router
    .route('/login')
    .post(limits.login ?? pass, jsonBody({ required: true }), async (req, res) => {
      const { client_id, client_secret, scope, ...credentials } = parse(loginSchema, req.body);
      // A native or CLI app (CONTRACT Part 2): its client, and the refresh token in the body, no cookie.
      const client = await loginClient(deps, req, { client_id, client_secret });
      const tokens = await login(deps, { ...credentials, client, scope }, requestContext(req), limits.loginAttempts);
      if (client) sendNativeTokens(res, tokens);
      else sendTokens(res, config, tokens);
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/refresh')
    .post(csrf, limits.refresh ?? pass, jsonBody({ required: false }), async (req, res) => {
      try {
        sendTokens(res, config, await rotateRefreshToken(deps, readRefreshCookie(req, config), requestContext(req)));
      } catch (error) {
        // Contract: cleared only when the token itself is dead (invalid_grant); a server-side
        // failure (503 while the database is away, 500) must not log the user out.
        if (error instanceof AppError && error.code === 'invalid_grant') clearRefreshCookie(res, config);
        throw error;
      }
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/logout')
    .post(csrf, jsonBody({ required: false }), async (req, res) => {
      await logout(deps, readRefreshCookie(req, config), requestContext(req));
      clearRefreshCookie(res, config);
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/logout-all')
    .post(jsonBody({ required: false }), async (req, res) => {
      const { claims } = await authenticate(deps, bearerToken(req));
      await logoutAll(deps, { userId: claims.sub, sessionId: claims.sid }, requestContext(req));
      clearRefreshCookie(res, config);
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/me')
    .get(async (req, res) => {
      const { user } = await authenticate(deps, bearerToken(req));
      // Part 2: the roles and permissions the user holds now (what the next refresh carries).
      res.json({
        id: user.id,
        email: user.email,
        createdAt: user.createdAt.toISOString(),
        roles: user.roles,
        permissions: user.permissions,
      });
    })
    .all(methodNotAllowed('GET', 'HEAD'));

  // Sessions list, sign-out elsewhere, password change and reset: src/http/account-routes.ts.
  router.use(accountRoutes(deps, limits));

  return router;
}

function sendTokens(res: Response, config: Config, tokens: IssuedTokens): void {
  setRefreshCookie(res, config, tokens.refreshToken, tokens.refreshMaxAge);
  res.status(200).json({ access_token: tokens.accessToken, token_type: 'Bearer', expires_in: tokens.expiresIn });
}
