import { passwordChangeSchema, passwordResetSchema } from '../account-routes.js';
import { JSON_BODY_ERRORS, dateTime, empty, errors, json, jsonRequest, ref, uuid, pathParameter } from './components.js';
import type { Operation, Paths, Schema } from './types.js';

// The signed-in user's sessions and password, and the operator-started password reset
// (src/http/account-routes.ts, mounted under /auth; CONTRACT Part 2 "Accounts and sessions").

const tags = ['account'];
const BEARER = [{ accessToken: [] }];

export const accountSchemas: Record<string, Schema> = {
  Session: {
    type: 'object',
    properties: {
      id: uuid,
      createdAt: dateTime,
      lastUsedAt: dateTime,
      expiresAt: { ...dateTime, description: 'The earlier of the absolute and the idle expiry.' },
      userAgent: { type: ['string', 'null'] },
      ip: { type: ['string', 'null'] },
      current: { type: 'boolean', description: 'The session of the access token that asked.' },
    },
    required: ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'userAgent', 'ip', 'current'],
    additionalProperties: false,
  },
};

const sessionId = pathParameter('id', { description: "One of the user's own sessions." });

const listSessions: Operation = {
  operationId: 'listSessions',
  summary: "The access token's user's live sessions, newest first",
  tags,
  security: BEARER,
  responses: {
    200: json(
      'The sessions.',
      {
        type: 'object',
        properties: { sessions: { type: 'array', items: ref('schemas/Session') } },
        required: ['sessions'],
        additionalProperties: false,
      },
      ['Cache-Control'],
    ),
    ...errors({ 400: 'invalid_request', 401: 'invalid_token' }),
  },
};

const revokeSession: Operation = {
  operationId: 'revokeOwnSession',
  summary: 'End one of the user’s own sessions',
  description: "Ending the access token's own session is a logout: the refresh cookie is cleared too.",
  tags,
  security: BEARER,
  parameters: [sessionId],
  responses: {
    204: empty('The session is revoked.', {
      'Set-Cookie': {
        description: 'The cleared refresh cookie, when the session was the caller’s own.',
        required: false,
        schema: { type: 'string' },
      },
    }),
    ...errors({ 400: 'invalid_request', 401: 'invalid_token', 404: 'not_found' }),
  },
};

const logoutOthers: Operation = {
  operationId: 'logoutOthers',
  summary: "End every session of the user but the access token's own",
  tags,
  security: BEARER,
  responses: { 204: empty('The other sessions are revoked.'), ...errors({ ...JSON_BODY_ERRORS, 401: 'invalid_token' }) },
};

const changePassword: Operation = {
  operationId: 'changePassword',
  summary: 'Change the password (the current one is required); other sessions end',
  tags,
  security: BEARER,
  requestBody: jsonRequest(passwordChangeSchema, {
    required: true,
    description: 'Passwords are NFKC-normalised, 8–128 characters.',
  }),
  responses: {
    204: empty('Changed.'),
    ...errors({ ...JSON_BODY_ERRORS, 401: ['invalid_token', 'invalid_credentials'], 429: 'too_many_requests' }),
  },
};

const resetPassword: Operation = {
  operationId: 'resetPassword',
  summary: 'Set a new password with a reset token an operator issued',
  description: 'Every session of the user ends. The token works once.',
  tags,
  requestBody: jsonRequest(passwordResetSchema, { required: true }),
  responses: {
    204: empty('The password is set.'),
    ...errors({ ...JSON_BODY_ERRORS, 400: ['invalid_request', 'invalid_grant'] }),
  },
};

export function accountPaths(): Paths {
  return {
    '/auth/sessions': { get: listSessions },
    '/auth/sessions/{id}': { delete: revokeSession },
    '/auth/logout-others': { post: logoutOthers },
    '/auth/password': { post: changePassword },
    '/auth/password/reset': { post: resetPassword },
  };
}
