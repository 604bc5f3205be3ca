// Errors are values with a code (the contract's table); one mapper turns them into JSON.

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_credentials'
  | 'invalid_grant'
  | 'invalid_token'
  | 'forbidden_origin'
  | 'not_found'
  | 'method_not_allowed'
  | 'email_taken'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'server_error'
  | 'temporarily_unavailable';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly description: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${description}`);
    this.name = 'AppError';
  }

  toJSON(): { error: ErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new AppError('invalid_request', 400, description);
export const invalidGrant = (description: string) => new AppError('invalid_grant', 401, description);
export const notFound = (description = 'not found') => new AppError('not_found', 404, description);

/** RFC 6750 §3.1: a request that carried a token that failed gets error="invalid_token". */
export const invalidToken = (description: string) =>
  new AppError('invalid_token', 401, description, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
  });

/** RFC 6750 §3.1: a request with no token at all gets a bare challenge, no error attribute. */
export const missingToken = () =>
  new AppError('invalid_token', 401, 'an access token is required', { 'WWW-Authenticate': 'Bearer' });

export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError('too_many_requests', 429, 'too many requests, try again later', {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
