// Errors are values with a code (the contract's table); one mapper turns them into JSON.
// The status belongs to the code, not to the call site (node-oidc-provider's error classes).

/** The contract's error codes and their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_credentials: 401,
  // The cookie endpoint answers 401; the OAuth token endpoint answers 400 (RFC 6749 §5.2),
  // by passing `{ status: 400 }` where it raises or translates it.
  invalid_grant: 401,
  invalid_token: 401,
  forbidden_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  server_error: 500,
  temporarily_unavailable: 503,
  // RFC 6749 §5.2 on /oauth/*
  invalid_client: 401,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  // RFC 6750 §3.1
  insufficient_scope: 403,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  /** Only where a standard fixes another status for the same code (invalid_grant on /oauth/token). */
  status?: number;
  headers?: Readonly<Record<string, string>>;
}

export class AppError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    options: AppErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.name = 'AppError';
    this.status = options.status ?? ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: ErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new AppError('invalid_request', description);
export const invalidGrant = (description: string) => new AppError('invalid_grant', description);
export const notFound = (description = 'not found') => new AppError('not_found', description);

/** RFC 6750 §3.1: a request that carried a token that failed gets error="invalid_token". */
export const invalidToken = (description: string) =>
  new AppError('invalid_token', description, {
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"` },
  });

/** RFC 6750 §3.1: a request with no token at all gets a bare challenge, no error attribute. */
export const missingToken = () =>
  new AppError('invalid_token', 'an access token is required', { headers: { 'WWW-Authenticate': 'Bearer' } });

export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError('too_many_requests', 'too many requests, try again later', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/** A dependency (the database) is unreachable or too slow: retry later; nothing was decided. */
export const temporarilyUnavailable = (description: string, retryAfterSeconds = 5) =>
  new AppError('temporarily_unavailable', description, { headers: { 'Retry-After': String(retryAfterSeconds) } });
