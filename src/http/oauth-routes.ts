import { type RequestHandler, Router } from 'express';
import { invalidRequest } from '../errors.js';
import { type ClientAuthDeps, authenticateClient, invalidClient, presentedClient } from '../oauth/client-auth.js';
import { introspect } from '../oauth/introspection.js';
import { revoke } from '../oauth/revocation.js';
import { requestedGrant, tokenGrant } from '../oauth/token-endpoint.js';
import type { SessionDeps } from '../sessions/deps.js';
import type { ClientRecord } from '../store/clients.js';
import { requestContext } from './context.js';
import { type FormParams, formBody } from './middleware/form-body.js';
import { methodNotAllowed } from './middleware/errors.js';

// The standard OAuth endpoints (CONTRACT Part 2): form-encoded in, JSON out, never cached.
// Thin: parse, authenticate the client, call src/oauth/, answer.

export interface OAuthRouteLimits {
  /** Every /oauth request, per IP, before the body is read. */
  perIp?: RequestHandler;
}

export function oauthRoutes(deps: SessionDeps & ClientAuthDeps, limits: OAuthRouteLimits = {}): Router {
  const router = Router();
  const pass: RequestHandler = (_req, _res, next) => next();

  // RFC 6749 §5.1, RFC 7662 §2.2: responses carry credentials or token facts; never cached.
  router.use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  });

  /** The authenticated client; `confidential`: a public client (by id alone) is refused. */
  const client = async (req: Parameters<RequestHandler>[0], options: { confidential: boolean }): Promise<ClientRecord> => {
    const params = req.body as FormParams;
    const presented = presentedClient(req, params);
    if (!presented)
      throw invalidClient(
        'client authentication is required (HTTP Basic, client_secret_post, or client_id for a public client)',
        false,
      );
    const found = await authenticateClient(deps, presented, requestContext(req));
    if (options.confidential && found.type !== 'confidential') {
      throw invalidClient('this endpoint needs a confidential client', presented.method === 'client_secret_basic');
    }
    return found;
  };

  /** RFC 7009 §2.1, RFC 7662 §2.1: the authenticated client and the `token` it asks about. */
  const tokenQuery = async (req: Parameters<RequestHandler>[0], options: { confidential: boolean }) => {
    const caller = await client(req, options);
    const { token } = req.body as FormParams;
    if (token === undefined) throw invalidRequest('token: is required');
    return { caller, token };
  };

  router
    .route('/token')
    .post(limits.perIp ?? pass, formBody, async (req, res) => {
      const params = req.body as FormParams;
      const grant = requestedGrant(params);
      const authenticated = await client(req, { confidential: false });
      res.json(await tokenGrant(deps, grant, authenticated, params, requestContext(req)));
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/revoke')
    .post(limits.perIp ?? pass, formBody, async (req, res) => {
      const { caller, token } = await tokenQuery(req, { confidential: false });
      await revoke(deps, caller, token, requestContext(req));
      // RFC 7009 §2.2: 200 whether or not the token was known or valid.
      res.status(200).end();
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/introspect')
    .post(limits.perIp ?? pass, formBody, async (req, res) => {
      const { caller, token } = await tokenQuery(req, { confidential: true });
      res.json(await introspect(deps, caller, token));
    })
    .all(methodNotAllowed('POST'));

  return router;
}
