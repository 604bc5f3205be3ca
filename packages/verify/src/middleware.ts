import type { IncomingMessage, ServerResponse } from 'node:http';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, IssuerUnavailableError, VerifyError } from './errors.js';
import type { AccessTokenClaims } from './verifier.js';

// The resource-server side of RFC 6750: where the token is read from (§2.1 only), and how a
// refusal is answered (§3, §3.1). Plain node:http types, so Express 4/5, Connect and bare
// http servers all take it; Express's Request gets `auth` below.

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireAuth()`: the verified access token's claims. */
      auth?: AccessTokenClaims;
    }
  }
}

export interface RequireAuthOptions {
  /** Every one of these permissions must be in the token's `scope`. */
  scope?: readonly string[];
  /** Every one of these roles must be in the token's `roles`. */
  roles?: readonly string[];
}

export type AuthenticatedRequest = IncomingMessage & { auth?: AccessTokenClaims };
export type RequestHandler = (req: AuthenticatedRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/** RFC 6749 §3.3 scope-token; role names follow the same rule here, so both fit in a header. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** RFC 6750 §2.1 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function requireAuthHandler(
  verify: (token: string) => Promise<AccessTokenClaims>,
  options: RequireAuthOptions,
): RequestHandler {
  const scope = [...(options.scope ?? [])];
  const roles = [...(options.roles ?? [])];
  for (const value of [...scope, ...roles]) {
    if (!SCOPE_TOKEN.test(value))
      throw new TypeError(`requireAuth: ${JSON.stringify(value)} is not a scope token (RFC 6749 §3.3)`);
  }

  return function requireAuth(req, res, next) {
    let token: string | undefined;
    try {
      token = bearerToken(req);
    } catch (error) {
      sendError(res, error as VerifyError);
      return;
    }
    if (token === undefined) {
      // RFC 6750 §3.1: a request with no authentication information gets no error code in the challenge.
      send(res, 401, { 'www-authenticate': 'Bearer' }, 'invalid_token', 'access token required');
      return;
    }
    verify(token)
      .then((claims) => {
        authorize(claims, scope, roles);
        return claims;
      })
      .then(
        (claims) => {
          req.auth = claims;
          next();
        },
        (error: unknown) => {
          if (error instanceof VerifyError) sendError(res, error);
          else next(error);
        },
      )
      // A handler after this one that throws synchronously (outside Express's own catch) still
      // reaches the error handler instead of becoming an unhandled rejection.
      .catch(next);
  };
}

/** The token from `Authorization: Bearer`, undefined when there is none. */
function bearerToken(req: IncomingMessage): string | undefined {
  // RFC 6750 §2.3 is not supported: a token in a URL leaks into logs, history and Referer.
  const url = req.url ?? '';
  if (url.includes('access_token') && new URL(url, 'http://localhost').searchParams.has('access_token')) {
    throw new InvalidRequestError('access tokens are not accepted in the URL query; send an Authorization: Bearer header');
  }
  const header = req.headers.authorization;
  if (header === undefined || !/^bearer(\s|$)/i.test(header)) return undefined;
  const token = BEARER.exec(header)?.[1];
  if (!token) throw new InvalidTokenError('the Authorization header does not carry a bearer token');
  return token;
}

function authorize(claims: AccessTokenClaims, scope: readonly string[], roles: readonly string[]): void {
  if (scope.length > 0) {
    const granted = new Set((claims.scope ?? '').split(' '));
    const missing = scope.filter((value) => !granted.has(value));
    // RFC 6750 §3.1: insufficient_scope, naming the scope the resource needs.
    if (missing.length > 0) throw new InsufficientScopeError(`the token lacks the scope ${missing.join(' ')}`, scope);
  }
  if (roles.length > 0) {
    const held = new Set(claims.roles ?? []);
    const missing = roles.filter((role) => !held.has(role));
    if (missing.length > 0) throw new InsufficientScopeError(`the token lacks the role ${missing.join(' ')}`);
  }
}

function sendError(res: ServerResponse, error: VerifyError): void {
  const headers: Record<string, string> = {};
  if (error instanceof IssuerUnavailableError) {
    headers['retry-after'] = String(error.retryAfter);
  } else {
    const params = [`error="${error.code}"`, `error_description="${quotable(error.description)}"`];
    if (error instanceof InsufficientScopeError && error.scope.length > 0) params.push(`scope="${error.scope.join(' ')}"`);
    headers['www-authenticate'] = `Bearer ${params.join(', ')}`;
  }
  send(res, error.status, headers, error.code, error.description);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, error: string, description: string): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ error, error_description: description });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
function quotable(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
