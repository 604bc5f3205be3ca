import { json, empty, errors, formRequest, ref } from './components.js';
import type { Operation, Paths, Response, Schema, SecurityRequirement } from './types.js';

// POST /oauth/token, /oauth/revoke, /oauth/introspect (src/http/oauth-routes.ts): form-encoded
// in (RFC 6749 §3.2), JSON out, never cached; errors as RFC 6749 §5.2 in the contract's shape.

const tags = ['oauth'];
/** RFC 6749 §2.3.1: HTTP Basic (client_secret_basic), or client_id[/client_secret] in the body. */
const CLIENT: SecurityRequirement[] = [{ clientSecretBasic: [] }, {}];

const scopeParam: Schema = { type: 'string', description: 'RFC 6749 §3.3: space-separated scope tokens.' };
const clientParams: Record<string, Schema> = {
  client_id: { type: 'string', description: 'The client (client_secret_post, or a public client by id alone).' },
  client_secret: { type: 'string', description: 'client_secret_post (RFC 6749 §2.3.1); not with HTTP Basic.' },
};

export const oauthSchemas: Record<string, Schema> = {
  // RFC 7662 §2.2: `active:false` alone for anything not live or not the caller's to see.
  IntrospectionResponse: {
    oneOf: [
      {
        type: 'object',
        properties: { active: { const: false } },
        required: ['active'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          active: { const: true },
          token_type: { enum: ['access_token', 'refresh_token'] },
          scope: { ...scopeParam, description: 'RFC 7662 §2.2; absent when the token carries no scope.' },
          client_id: { type: 'string' },
          sub: { type: 'string' },
          aud: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          iss: { type: 'string' },
          exp: { type: 'integer' },
          iat: { type: 'integer' },
          jti: { type: 'string' },
          sid: { type: 'string', description: 'The session, for tokens of a user.' },
          username: { type: 'string', description: "The user's email, for tokens of a user." },
        },
        required: ['active', 'token_type', 'client_id', 'sub', 'iss', 'exp', 'iat'],
        additionalProperties: false,
      },
    ],
  },
};

/** RFC 6749 §5.2: a failed HTTP Basic attempt is answered with a Basic challenge. */
const invalidClient: Response = json(
  '`invalid_client`: client authentication failed (unknown client, wrong secret, or none presented).',
  { allOf: [ref('schemas/Error'), { properties: { error: { const: 'invalid_client' } } }] },
  {
    'WWW-Authenticate': {
      description: 'RFC 6749 §5.2: present when the client tried HTTP Basic.',
      required: false,
      schema: { const: 'Basic realm="latchkey"' },
    },
  },
);

const FORM_ERRORS = { 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests' } as const;

const token: Operation = {
  operationId: 'token',
  summary: 'Issue tokens: client credentials (RFC 6749 §4.4) or a refresh (§6)',
  description:
    '`client_credentials` needs a confidential client and gives no refresh token. `refresh_token` rotates a refresh ' +
    'token issued to this client (the same rotation and reuse rules as `/auth/refresh`). `scope` may narrow what is granted.',
  tags,
  security: CLIENT,
  requestBody: formRequest({
    type: 'object',
    properties: {
      grant_type: { enum: ['client_credentials', 'refresh_token'] },
      refresh_token: { type: 'string', description: 'For the refresh_token grant.' },
      scope: scopeParam,
      ...clientParams,
    },
    required: ['grant_type'],
  }),
  responses: {
    200: json('RFC 6749 §5.1 token response.', ref('schemas/TokenResponse'), ['Cache-Control']),
    ...errors({
      400: ['invalid_request', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'],
      ...FORM_ERRORS,
    }),
    401: invalidClient,
  },
};

const tokenParams = (description: string): Schema => ({
  type: 'object',
  properties: {
    token: { type: 'string', description },
    token_type_hint: { enum: ['access_token', 'refresh_token'], description: 'Ignored: the token tells its kind.' },
    ...clientParams,
  },
  required: ['token'],
});

const revoke: Operation = {
  operationId: 'revoke',
  summary: 'Revoke a token (RFC 7009)',
  description: 'A refresh token ends its session; an access token is revoked through its status list entry or record.',
  tags,
  security: CLIENT,
  requestBody: formRequest(tokenParams('The access or refresh token to revoke.')),
  responses: {
    200: empty('RFC 7009 §2.2: done, or the token was unknown, invalid or not this client’s.', ['Cache-Control']),
    ...errors({ 400: 'invalid_request', ...FORM_ERRORS }),
    401: invalidClient,
  },
};

const introspect: Operation = {
  operationId: 'introspect',
  summary: 'Introspect a token (RFC 7662)',
  description:
    'Confidential clients only. A client sees access tokens for its audience and its own; refresh tokens only its own.',
  tags,
  security: [{ clientSecretBasic: [] }, {}],
  requestBody: formRequest(tokenParams('The access or refresh token to look at.')),
  responses: {
    200: json('RFC 7662 §2.2 introspection response.', ref('schemas/IntrospectionResponse'), ['Cache-Control']),
    ...errors({ 400: 'invalid_request', ...FORM_ERRORS }),
    401: invalidClient,
  },
};

export function oauthPaths(): Paths {
  return {
    '/oauth/token': { post: token },
    '/oauth/revoke': { post: revoke },
    '/oauth/introspect': { post: introspect },
  };
}
