import type { Config } from '../../config.js';
import { loginSchema } from '../login-client.js';
import { credentialsSchema } from '../validate.js';
import { JSON_BODY_ERRORS, empty, errors, json, jsonRequest, ref } from './components.js';
import type { Operation, Paths, Schema } from './types.js';

// POST /auth/* and GET /auth/me (src/http/auth-routes.ts; CONTRACT "Public HTTP API").

const tags = ['auth'];
const BEARER = [{ accessToken: [] }];
const COOKIE = [{ refreshCookie: [] }];

export const authSchemas: Record<string, Schema> = {
  // RFC 6749 §5.1
  TokenResponse: {
    type: 'object',
    properties: {
      access_token: { type: 'string', description: 'An RFC 9068 `at+jwt` access token.' },
      token_type: { const: 'Bearer' },
      expires_in: { type: 'integer', minimum: 1, description: 'Seconds until the access token expires.' },
      refresh_token: {
        type: 'string',
        description: 'Login with a `client_id` (native and CLI apps) and the OAuth refresh grant: the refresh token (no cookie).',
      },
      scope: { type: 'string', description: 'RFC 6749 §5.1: the granted scope, space-separated.' },
    },
    required: ['access_token', 'token_type', 'expires_in'],
    additionalProperties: false,
  },
};

const credentials = jsonRequest(credentialsSchema, {
  required: true,
  description: 'The email is trimmed and lower-cased; the password is NFKC-normalised and must be 8–128 characters.',
});
const tokens = json('Token response and the (rotated) refresh cookie.', ref('schemas/TokenResponse'), [
  'Cache-Control',
  'Set-Cookie',
]);

const register: Operation = {
  operationId: 'register',
  summary: 'Create an account',
  description: 'Refuses common passwords. Not mounted at all when `ALLOW_REGISTRATION=false` (every request is then a 404).',
  tags,
  requestBody: credentials,
  responses: {
    201: json('The new user.', ref('schemas/CreatedUser')),
    ...errors({ ...JSON_BODY_ERRORS, 409: 'email_taken', 429: 'too_many_requests' }),
  },
};

const login: Operation = {
  operationId: 'login',
  summary: 'Log in: an access token in the body, the refresh token in an HttpOnly cookie (or, for a client, in the body)',
  description:
    'Unknown email and wrong password give the same answer in similar time. With `client_id` (a registered client with the ' +
    '`refresh_token` grant, authenticated by HTTP Basic, `client_secret`, or by id alone when public) the refresh token comes ' +
    'back in the body with the granted `scope`, and no cookie is set. `scope` narrows what the tokens carry.',
  tags,
  security: [{}, { clientSecretBasic: [] }],
  requestBody: jsonRequest(loginSchema, {
    required: true,
    description: 'The email is trimmed and lower-cased; the password is NFKC-normalised and must be 8–128 characters.',
  }),
  responses: {
    200: json('Token response; without `client_id` also the (new) refresh cookie.', ref('schemas/TokenResponse'), {
      'Cache-Control': ref('headers/Cache-Control'),
      'Set-Cookie': {
        description: 'The refresh cookie, on the cookie flow (no `client_id`).',
        required: false,
        schema: { type: 'string' },
      },
    }),
    ...errors({
      ...JSON_BODY_ERRORS,
      400: ['invalid_request', 'invalid_scope', 'unauthorized_client'],
      401: ['invalid_credentials', 'invalid_client'],
      429: 'too_many_requests',
    }),
  },
};

const refresh: Operation = {
  operationId: 'refresh',
  summary: 'Rotate the refresh cookie and get a new access token',
  description:
    'Browsers must send the cookie (`credentials: "include"`) from an origin in `ALLOWED_ORIGINS`. A rotated token presented ' +
    'again outside the grace window (`REFRESH_REUSE_INTERVAL`) revokes the whole session. An `invalid_grant` clears the cookie; ' +
    '403, 415 and 429 leave it alone.',
  tags,
  security: COOKIE,
  responses: {
    200: tokens,
    ...errors({ ...JSON_BODY_ERRORS, 401: 'invalid_grant', 403: 'forbidden_origin', 429: 'too_many_requests' }),
  },
};

const logout: Operation = {
  operationId: 'logout',
  summary: 'End the session of the refresh cookie and clear the cookie',
  tags,
  security: [...COOKIE, {}],
  responses: {
    204: empty('Logged out (also without a cookie).', ['Set-Cookie']),
    ...errors({ ...JSON_BODY_ERRORS, 403: 'forbidden_origin' }),
  },
};

const logoutAll: Operation = {
  operationId: 'logoutAll',
  summary: "End every session of the access token's user",
  tags,
  security: BEARER,
  responses: { 204: empty('Every session of the user is revoked.'), ...errors({ ...JSON_BODY_ERRORS, 401: 'invalid_token' }) },
};

const me: Operation = {
  operationId: 'me',
  summary: 'The user of the access token, if its session is still live',
  tags,
  security: BEARER,
  // 400: a token in the URL query is refused outright (RFC 6750 §2.3, RFC 9700 §4.3.2).
  responses: {
    200: json('The user, with the roles and permissions it holds now.', ref('schemas/CurrentUser'), ['Cache-Control']),
    ...errors({ 400: 'invalid_request', 401: 'invalid_token' }),
  },
};

export function authPaths(config: Config): Paths {
  return {
    ...(config.allowRegistration ? { '/auth/register': { post: register } } : {}),
    '/auth/login': { post: login },
    '/auth/refresh': { post: refresh },
    '/auth/logout': { post: logout },
    '/auth/logout-all': { post: logoutAll },
    '/auth/me': { get: me },
  };
}

export function authSecuritySchemes(config: Config): Record<string, Record<string, unknown>> {
  return {
    accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from login or refresh.' },
    refreshCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: config.refreshCookieName,
      description: 'The HttpOnly refresh cookie set by login and refresh (`SameSite=Strict`, `Path=/auth`).',
    },
    clientSecretBasic: {
      type: 'http',
      scheme: 'basic',
      description: 'RFC 6749 §2.3.1: a registered client, its form-urlencoded id and secret.',
    },
  };
}
