// Errors are values with a code. The code is the RFC 6750 §3.1 error code, and each class fixes
// its HTTP status, so no caller chooses a status by hand.

export type VerifyErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

export abstract class VerifyError extends Error {
  abstract readonly code: VerifyErrorCode;
  abstract readonly status: number;

  constructor(
    /** Human-readable, safe to send to the client (RFC 6750 §3 `error_description`). */
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
  }
}

/** RFC 6750 §3.1: the request is malformed, e.g. the token was sent in the URL query. 400. */
export class InvalidRequestError extends VerifyError {
  override readonly name = 'InvalidRequestError';
  readonly code = 'invalid_request' as const;
  readonly status = 400;
}

/** RFC 6750 §3.1: the token is expired, revoked, malformed or otherwise not valid. 401. */
export class InvalidTokenError extends VerifyError {
  override readonly name = 'InvalidTokenError';
  readonly code = 'invalid_token' as const;
  readonly status = 401;
}

/** RFC 6750 §3.1: the token is valid but lacks the scope (or role) the request needs. 403. */
export class InsufficientScopeError extends VerifyError {
  override readonly name = 'InsufficientScopeError';
  readonly code = 'insufficient_scope' as const;
  readonly status = 403;

  constructor(
    description: string,
    /** The scope values the resource needs (RFC 6750 §3 `scope` attribute); empty for a role check. */
    readonly scope: readonly string[] = [],
  ) {
    super(description);
  }
}

/**
 * The issuer could not be reached and nothing usable is cached (no JWKS yet, or no status list
 * for this token, or the cached one is past its bounds). Not a verdict on the token: 503 with
 * `Retry-After`, the contract's answer to a dependency outage. Not an RFC 6750 code.
 */
export class IssuerUnavailableError extends VerifyError {
  override readonly name = 'IssuerUnavailableError';
  readonly code = 'temporarily_unavailable' as const;
  readonly status = 503;

  constructor(
    description: string,
    /** Seconds after which a retry may succeed. */
    readonly retryAfter: number,
    options?: { cause?: unknown },
  ) {
    super(description, options);
  }
}
