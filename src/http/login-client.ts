import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { type ClientAuthDeps, authenticateClient, presentedClient } from '../oauth/client-auth.js';
import { formatScope, parseScope } from '../oauth/scope.js';
import type { IssuedTokens, PresentingClient } from '../sessions/deps.js';
import { requestContext } from './context.js';
import { emailSchema, passwordSchema } from './validate.js';

// POST /auth/login for first-party native and CLI apps (CONTRACT Part 2): with a `client_id`
// the refresh token comes back in the body and no cookie is set. Without one nothing changes.

/** {email, password} as before, plus the optional client fields; other keys are still refused. */
export const loginSchema = z
  .strictObject(
    {
      email: emailSchema,
      password: passwordSchema,
      client_id: z.string({ message: 'must be a string' }).max(256, 'is too long').optional(),
      client_secret: z.string({ message: 'must be a string' }).max(256, 'is too long').optional(),
      scope: z.string({ message: 'must be a string' }).max(4096, 'is too long').optional(),
    },
    { message: 'must be a JSON object' },
  )
  .transform(({ scope, ...rest }) => ({ ...rest, scope: parseScope(scope) }));

/**
 * The registered client logging a user in, authenticated (HTTP Basic as in client_secret_basic,
 * `client_secret` in the body, or a public client by id), with the refresh_token grant; or
 * undefined for the first-party cookie flow.
 */
export async function loginClient(
  deps: ClientAuthDeps,
  req: Request,
  body: { client_id?: string; client_secret?: string },
): Promise<PresentingClient | undefined> {
  // Contract: without client_id nothing changes (an Authorization header alone is not looked at).
  if (body.client_id === undefined && body.client_secret === undefined) return undefined;
  const presented = presentedClient(req, body);
  if (!presented) return undefined;
  const client = await authenticateClient(deps, presented, requestContext(req));
  if (!client.grantTypes.includes('refresh_token')) {
    throw new AppError('unauthorized_client', 'this client may not log users in: it lacks the refresh_token grant');
  }
  return { id: client.id, scopes: client.scopes };
}

/** RFC 6749 §5.1 token response with the refresh token in it (headers set by the router). */
export function sendNativeTokens(res: Response, tokens: IssuedTokens): void {
  res.status(200).json({
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    ...(tokens.scope.length && { scope: formatScope(tokens.scope) }),
  });
}
