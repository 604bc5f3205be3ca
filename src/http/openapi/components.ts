import { z } from 'zod';
import type { ErrorCode } from '../../errors.js';
import type { Components, Header, MediaType, Parameter, Ref, RequestBody, Response, Responses, Schema } from './types.js';

// Building blocks every route group uses: the contract's error shape (one $ref), the headers
// some errors carry, and small constructors so a route's description stays a few lines.

export const ref = (path: string): Ref => ({ $ref: `#/components/${path}` });

const ERROR_CODE = '^[a-z_]+$';

/** CONTRACT "Errors": the one JSON error shape. */
const ErrorSchema: Schema = {
  type: 'object',
  description: 'Every error: a machine-readable code and a human-readable description (never a stack trace).',
  properties: {
    error: { type: 'string', pattern: ERROR_CODE, examples: ['invalid_request'] },
    error_description: { type: 'string', examples: ['email: must be an email address'] },
  },
  required: ['error', 'error_description'],
  additionalProperties: false,
};

const HEADERS = {
  'WWW-Authenticate': {
    description: 'RFC 6750 §3: `Bearer` for a request without a token, `Bearer error="invalid_token", …` for a bad one.',
    required: true,
    schema: { type: 'string', pattern: '^Bearer( |$)' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (RFC 9110 §10.2.3).',
    required: true,
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  Allow: {
    description: 'The methods this path answers (RFC 9110 §10.2.1).',
    required: true,
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description: 'RFC 6749 §5.1: token responses and account data are never cached.',
    required: true,
    schema: { const: 'no-store' },
  },
  'Set-Cookie': {
    description:
      'The refresh cookie (`REFRESH_COOKIE_NAME`): `HttpOnly; Secure; SameSite=Strict; Path=/auth; Max-Age=…`, or cleared with `Max-Age=0`.',
    required: true,
    schema: { type: 'string' },
  },
} satisfies Record<string, Header>;

export type HeaderName = keyof typeof HEADERS;

/** Headers an error code always carries (CONTRACT "Errors"). */
const ERROR_HEADERS: Partial<Record<ErrorCode, HeaderName[]>> = {
  invalid_token: ['WWW-Authenticate'],
  too_many_requests: ['Retry-After'],
  temporarily_unavailable: ['Retry-After'],
  method_not_allowed: ['Allow'],
};

const JSON_TYPE = 'application/json';

/** Response headers: names of the shared ones above, or headers described in place. */
export type ResponseHeaders = HeaderName[] | Record<string, Header | Ref>;

/** A JSON response. */
export function json(description: string, schema: Schema, headers: ResponseHeaders = []): Response {
  return { description, ...withHeaders(headers), content: { [JSON_TYPE]: { schema } } };
}

/** A response without a body (204, 304). */
export function empty(description: string, headers: ResponseHeaders = []): Response {
  return { description, ...withHeaders(headers) };
}

function withHeaders(headers: ResponseHeaders): Pick<Response, 'headers'> {
  const entries = Array.isArray(headers)
    ? headers.map((name) => [name, ref(`headers/${name}`)] as const)
    : Object.entries(headers);
  return entries.length ? { headers: Object.fromEntries(entries) } : {};
}

/**
 * The error answers of an operation, by status: `errors({ 401: 'invalid_token', 404: 'not_found' })`.
 * Several codes under one status (`{ 401: ['invalid_credentials', 'invalid_grant'] }`) mean any of them.
 */
export function errors(byStatus: Record<number, ErrorCode | ErrorCode[]>): Responses {
  return Object.fromEntries(Object.entries(byStatus).map(([status, codes]) => [status, errorResponse([codes].flat())]));
}

function errorResponse(codes: ErrorCode[]): Response | Ref {
  if (codes.length === 1 && COMMON_ERRORS.includes(codes[0]!)) return ref(`responses/${codes[0]}`);
  const schemas = codes.map(errorWithCode);
  // A header is promised only when every code of this status carries it.
  const headers = codes
    .map((code) => ERROR_HEADERS[code] ?? [])
    .reduce((common, next) => common.filter((name) => next.includes(name)));
  return json(codes.map((c) => `\`${c}\``).join(' or '), schemas.length === 1 ? schemas[0]! : { oneOf: schemas }, headers);
}

const errorWithCode = (code: ErrorCode): Schema => ({
  allOf: [ref('schemas/Error'), { properties: { error: { const: code } } }],
});

/** Errors any operation may answer; assembly adds them to every operation (document.ts). */
const COMMON_ERRORS: ErrorCode[] = ['server_error', 'temporarily_unavailable'];
export const COMMON_RESPONSES: Responses = { 500: ref('responses/server_error'), 503: ref('responses/temporarily_unavailable') };

/** The errors of a route that reads a JSON body (src/http/middleware/body.ts). */
export const JSON_BODY_ERRORS = { 400: 'invalid_request', 413: 'payload_too_large', 415: 'unsupported_media_type' } as const;

/** A JSON request body from the zod schema the route parses it with: one statement of the rule. */
export function jsonRequest(schema: z.ZodType | Schema, options: { required: boolean; description?: string }): RequestBody {
  return {
    required: options.required,
    ...(options.description ? { description: options.description } : {}),
    content: { [JSON_TYPE]: mediaType(schema) },
  };
}

/** An `application/x-www-form-urlencoded` request body (the OAuth endpoints, RFC 6749 §3.2). */
export function formRequest(schema: z.ZodType | Schema, options: { description?: string } = {}): RequestBody {
  return {
    required: true,
    ...(options.description ? { description: options.description } : {}),
    content: { 'application/x-www-form-urlencoded': mediaType(schema) },
  };
}

function mediaType(schema: z.ZodType | Schema): MediaType {
  if (!(schema instanceof z.ZodType)) return { schema };
  // io: 'input' — what a client sends, before the route's transforms (trim, lower-case, defaults).
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return { schema: jsonSchema };
}

/** A path parameter (Express `:name`, OpenAPI `{name}`): always required; a string unless `schema` says more. */
export function pathParameter(name: string, options: { description?: string; schema?: Schema }): Parameter {
  const { description, schema = { type: 'string' } } = options;
  return { name, in: 'path', required: true, ...(description !== undefined && { description }), schema };
}

/** `Cache-Control: public, max-age=N` on a response any cache may keep; `description` says what sets N. */
export function publicCacheControl(description: string): Record<string, Header> {
  return { 'Cache-Control': { description, required: true, schema: { type: 'string', pattern: '^public, max-age=[0-9]+$' } } };
}

/** `ETag` on a response a cache revalidates (RFC 9110 §8.8.3; `If-None-Match`, §13.1.2). */
export const ETAG: Record<string, Header> = {
  ETag: {
    description: 'Send it back in `If-None-Match` to revalidate.',
    required: true,
    schema: { type: 'string', pattern: '^"[^"]+"$' },
  },
};

export const uuid: Schema = { type: 'string', format: 'uuid' };
export const dateTime: Schema = { type: 'string', format: 'date-time' };

export function components(extra: Components = {}): Components {
  return {
    schemas: { Error: ErrorSchema, ...extra.schemas },
    responses: {
      server_error: json(
        '`server_error`: an unexpected failure; logged with the request id, no detail given.',
        errorWithCode('server_error'),
      ),
      temporarily_unavailable: json(
        '`temporarily_unavailable`: the database is unreachable or the server is draining; try again after `Retry-After`.',
        errorWithCode('temporarily_unavailable'),
        ['Retry-After'],
      ),
      ...extra.responses,
    },
    headers: { ...HEADERS, ...extra.headers },
    ...(extra.securitySchemes ? { securitySchemes: extra.securitySchemes } : {}),
  };
}
