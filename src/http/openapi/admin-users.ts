import { credentialsSchema } from '../validate.js';
import { JSON_BODY_ERRORS, errors, json, jsonRequest, ref, uuid } from './components.js';
import type { Parameter, Paths } from './types.js';

// Admin API: users and their sessions (src/http/admin-routes.ts; CONTRACT "Admin API and CLI").

const tags = ['admin: users'];

export const userId: Parameter = { name: 'id', in: 'path', required: true, description: 'The user id.', schema: uuid };

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
        operationId: 'findUserByEmail',
        summary: 'Find a user by email',
        tags,
        parameters: [{ name: 'email', in: 'query', required: true, schema: { type: 'string', format: 'email' } }],
        responses: { 200: json('The user.', ref('schemas/User')), ...errors({ 400: 'invalid_request', 404: 'not_found' }) },
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
          ...errors({ ...JSON_BODY_ERRORS, 404: 'not_found' }),
        },
      },
    },
  };
}
