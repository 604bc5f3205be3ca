import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { FetchLike } from './document-cache.js';
import { InvalidTokenError, VerifyError } from './errors.js';
import { KeySet } from './jwks.js';
import { type RequireAuthOptions, type RequestHandler, requireAuthHandler } from './middleware.js';
import { StatusLists } from './status-list-cache.js';

/** The claims of a Latchkey access token (RFC 9068 §2.2), as verified. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** The session the token belongs to (user tokens only). */
  sid?: string;
  /** RFC 9068 §2.2.3: space-separated permissions. */
  scope?: string;
  /** RFC 9068 §2.2.3.1: role names. */
  roles?: string[];
  /** draft-ietf-oauth-status-list-21 §6.2: where the token's revocation bit lives. */
  status?: { status_list: { idx: number; uri: string } };
}

export interface VerifierOptions {
  /** Latchkey's ISSUER: the exact `iss` of its tokens, and the base of its JWKS and status list URLs. */
  issuer: string;
  /** The `aud` this API accepts (Latchkey's ACCESS_TOKEN_AUDIENCE or a client's audience). */
  audience: string | readonly string[];
  /** Default `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** RFC 8725 §3.1: the only algorithms accepted. Default: Latchkey's SIGNING_ALG choices. */
  algorithms?: readonly string[];
  /** Seconds of clock skew allowed on `exp`/`nbf`. Default 5. */
  clockTolerance?: number;
  /** Reject tokens that carry no `status` claim (tokens issued before status lists existed). Default false. */
  requireStatus?: boolean;
  /** Seconds a stale JWKS or status list may serve while the issuer is unreachable; 0 fails closed. Default 600. */
  staleIfError?: number;
  /** An unknown `kid` refetches the JWKS at most this often, in seconds. Default 30. */
  unknownKidCooldown?: number;
  /** Per-request timeout towards the issuer, in milliseconds. Default 5000. */
  timeout?: number;
  /** Default globalThis.fetch. */
  fetch?: FetchLike;
  /** Default the system clock. Tests move a fake one. */
  clock?: { now(): Date };
}

export interface Verifier {
  /** The token's claims, or a VerifyError (InvalidTokenError, IssuerUnavailableError). */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Express (or any node:http) middleware: sets `req.auth`, or answers 400/401/403/503 per RFC 6750 §3. */
  requireAuth(options?: RequireAuthOptions): RequestHandler;
}

export const DEFAULT_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = new URL(options.issuer);
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  if (audience.length === 0) throw new TypeError('createVerifier: audience is required');
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  if (algorithms.length === 0 || algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
    throw new TypeError('createVerifier: algorithms must name asymmetric JWS algorithms');
  }
  const clock = options.clock ?? { now: () => new Date() };
  const now = () => clock.now().getTime();
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clockTolerance = options.clockTolerance ?? 5;
  const staleIfError = options.staleIfError ?? 600;
  const timeoutMs = options.timeout ?? 5000;
  const keys = new KeySet({
    jwksUri: options.jwksUri ?? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    algorithms,
    fetch: fetchImpl,
    now,
    timeoutMs,
    staleIfError,
    unknownKidCooldown: options.unknownKidCooldown ?? 30,
  });
  const statusLists = new StatusLists({ keys, algorithms, fetch: fetchImpl, now, timeoutMs, clockTolerance, staleIfError });
  const issuerUris = new Set<string>();

  async function verify(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0) throw new InvalidTokenError('access token required');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.keyFor, {
        issuer: options.issuer,
        audience,
        algorithms,
        // RFC 9068 §4 and RFC 8725 §3.11: only an access token passes, not an ID token or a status list.
        typ: 'at+jwt',
        // RFC 9068 §2.2: the claims every access token has.
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
        currentDate: clock.now(),
        clockTolerance,
      }));
    } catch (error) {
      throw asVerifyError(error);
    }
    const claims = accessTokenClaims(payload);
    // draft-ietf-oauth-status-list-21 §8.3: the token is valid in itself; now its status.
    const ref = claims.status?.status_list;
    if (ref) {
      if (!issuerUris.has(ref.uri)) {
        // RFC 8725 §3.10: a URL from a token is fetched only on the issuer's own origin.
        if (!URL.canParse(ref.uri) || new URL(ref.uri).origin !== issuer.origin) {
          throw new InvalidTokenError('the token status list is not on the issuer');
        }
        issuerUris.add(ref.uri);
      }
      await statusLists.check(ref, claims.iat);
    } else if (options.requireStatus) {
      throw new InvalidTokenError('the token carries no status claim');
    }
    return claims;
  }

  return { verify, requireAuth: (requirements = {}) => requireAuthHandler(verify, requirements) };
}

/** Types of the claims jose did not check; a malformed one makes the whole token invalid. */
function accessTokenClaims(payload: JWTPayload): AccessTokenClaims {
  const claims = payload as AccessTokenClaims;
  for (const name of ['sub', 'jti', 'client_id'] as const) {
    if (typeof claims[name] !== 'string' || claims[name].length === 0)
      throw new InvalidTokenError(`the ${name} claim is not valid`);
  }
  if (claims.sid !== undefined && typeof claims.sid !== 'string') throw new InvalidTokenError('the sid claim is not valid');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw new InvalidTokenError('the scope claim is not valid');
  if (claims.roles !== undefined && !(Array.isArray(claims.roles) && claims.roles.every((role) => typeof role === 'string'))) {
    throw new InvalidTokenError('the roles claim is not valid');
  }
  if (claims.status !== undefined && !isStatusClaim(claims.status)) {
    // draft-ietf-oauth-status-list-21 §8.3 step 1: a status claim must follow §6.2.
    throw new InvalidTokenError('the status claim is not valid');
  }
  return claims;
}

function isStatusClaim(status: unknown): boolean {
  const ref = (status as { status_list?: { idx?: unknown; uri?: unknown } } | null)?.status_list;
  if (typeof ref !== 'object' || ref === null) return false;
  return Number.isSafeInteger(ref.idx) && (ref.idx as number) >= 0 && typeof ref.uri === 'string';
}

function asVerifyError(error: unknown): VerifyError {
  if (error instanceof VerifyError) return error;
  if (error instanceof joseErrors.JWTExpired) return new InvalidTokenError('the access token has expired');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return new InvalidTokenError('the token signature is not valid');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new InvalidTokenError('the token alg is not allowed');
  if (error instanceof joseErrors.JWTClaimValidationFailed) return new InvalidTokenError(`the ${error.claim} claim is not valid`);
  return new InvalidTokenError('the access token is malformed', { cause: error });
}
