import { USER_PAGE_DEFAULT, USER_PAGE_MAX } from '../../users/list.js';
import { credentialsSchema } from '../validate.js';
import { JSON_BODY_ERRORS, dateTime, empty, errors, json, jsonRequest, ref, uuid, pathParameter } from './components.js';
import type { Paths, Schema } from './types.js';

// Admin API: users and their sessions (src/http/admin-user-routes.ts; CONTRACT "Admin API and CLI",
// Part 2 "Accounts and sessions"). The admin listener's own user schemas live here, apart from the
// public API's (users.ts), so that each side describes what it really shows.

const tags = ['admin: users'];
const email: Schema = { type: 'string', format: 'email' };

export const userId = pathParameter('id', { description: 'The user id.', schema: uuid });

const adminUserProperties = { id: uuid, email, createdAt: dateTime, disabled: { type: 'boolean' } };

export const adminUserSchemas: Record<string, Schema> = {
  AdminUser: {
    type: 'object',
    description: 'A user as the admin API shows it (never the password hash).',
    properties: adminUserProperties,
    required: Object.keys(adminUserProperties),
    additionalProperties: false,
  },
  AdminUserWithRoles: {
    type: 'object',
    description: "One user as `GET /admin/users/{id}` shows it: `AdminUser` and the names of the user's roles.",
    properties: { ...adminUserProperties, roles: { type: 'array', items: { type: 'string' } } },
    required: [...Object.keys(adminUserProperties), 'roles'],
    additionalProperties: false,
  },
  UserByEmail: {
    type: 'object',
    description: 'The user found by `?email=` (the look-up the CLI uses).',
    properties: { id: uuid, email, createdAt: dateTime },
    required: ['id', 'email', 'createdAt'],
    additionalProperties: false,
  },
  CreatedUser: {
    type: 'object',
    properties: { id: uuid, email },
    required: ['id', 'email'],
    additionalProperties: false,
  },
};

/** The answer of a POST that reads an optional JSON body and acts on one user. */
const userAction = { ...JSON_BODY_ERRORS, 404: 'not_found' } as const;

export function adminUserPaths(): Paths {
  return {
    '/admin/users': {
      post: {
        operationId: 'createUser',
        summary: 'Create a user (works with ALLOW_REGISTRATION=false)',
        tags,
        requestBody: jsonRequest(credentialsSchema, { required: true }),
        responses: {
          201: json('The new user.', ref('schemas/CreatedUser')),
          ...errors({ ...JSON_BODY_ERRORS, 409: 'email_taken' }),
        },
      },
      get: {
        operationId: 'listUsers',
        summary: 'List users a page at a time, or find one by email',
        description:
          'With `?email=` the answer is that one user (`UserByEmail`) or 404. Otherwise a page of users, oldest first; ' +
          '`next_cursor` (null on the last page) is passed back as `?cursor=` for the next page. ' +
          '`email` cannot be combined with `limit` or `cursor`.',
        tags,
        parameters: [
          { name: 'email', in: 'query', required: false, description: 'Find the user with this email.', schema: email },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Users per page.',
            schema: { type: 'integer', minimum: 1, maximum: USER_PAGE_MAX, default: USER_PAGE_DEFAULT },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'The `next_cursor` of the previous page.',
            schema: { type: 'string', maxLength: 256 },
          },
        ],
        responses: {
          200: json('A page of users, or the user with this email.', {
            oneOf: [
              {
                type: 'object',
                properties: {
                  users: { type: 'array', items: ref('schemas/AdminUser'), maxItems: USER_PAGE_MAX },
                  next_cursor: { type: ['string', 'null'] },
                },
                required: ['users', 'next_cursor'],
                additionalProperties: false,
              },
              ref('schemas/UserByEmail'),
            ],
          }),
          ...errors({ 400: 'invalid_request', 404: 'not_found' }),
        },
      },
    },
    '/admin/users/{id}': {
      get: {
        operationId: 'getUser',
        summary: 'One user',
        tags,
        parameters: [userId],
        responses: {
          200: json('The user, with their roles.', ref('schemas/AdminUserWithRoles')),
          ...errors({ 400: 'invalid_request', 404: 'not_found' }),
        },
      },
      delete: {
        operationId: 'deleteUser',
        summary: 'Delete a user, their sessions and role assignments',
        tags,
        parameters: [userId],
        responses: { 204: empty('Deleted.'), ...errors({ 400: 'invalid_request', 404: 'not_found' }) },
      },
    },
    '/admin/users/{id}/revoke-sessions': {
      post: {
        operationId: 'revokeUserSessions',
        summary: 'Revoke every session of a user',
        tags,
        parameters: [userId],
        responses: {
          200: json('How many live sessions were revoked.', {
            type: 'object',
            properties: { revoked: { type: 'integer', minimum: 0 } },
            required: ['revoked'],
            additionalProperties: false,
          }),
          ...errors(userAction),
        },
      },
    },
    '/admin/users/{id}/password-reset': {
      post: {
        operationId: 'issuePasswordReset',
        summary: 'Issue a one-time password reset token for a user',
        description: 'The token is shown here once; only its hash is kept.',
        tags,
        parameters: [userId],
        responses: {
          201: json('The reset token and when it expires.', {
            type: 'object',
            properties: { reset_token: { type: 'string', minLength: 1 }, expiresAt: dateTime },
            required: ['reset_token', 'expiresAt'],
            additionalProperties: false,
          }),
          ...errors(userAction),
        },
      },
    },
    '/admin/users/{id}/disable': {
      post: {
        operationId: 'disableUser',
        summary: 'Disable a user: login refused, every live session revoked',
        tags,
        parameters: [userId],
        responses: {
          200: json('The user (as `AdminUser`), and how many live sessions were revoked.', {
            type: 'object',
            properties: { ...adminUserProperties, revoked: { type: 'integer', minimum: 0 } },
            required: [...Object.keys(adminUserProperties), 'revoked'],
            additionalProperties: false,
          }),
          ...errors(userAction),
        },
      },
    },
    '/admin/users/{id}/enable': {
      post: {
        operationId: 'enableUser',
        summary: 'Enable a disabled user',
        tags,
        parameters: [userId],
        responses: { 200: json('The user.', ref('schemas/AdminUser')), ...errors(userAction) },
      },
    },
  };
}
