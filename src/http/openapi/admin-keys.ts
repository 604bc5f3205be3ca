import { SIGNING_ALGS } from '../../config.js';
import { rotateBody } from '../admin-routes.js';
import { JSON_BODY_ERRORS, dateTime, errors, json, jsonRequest, ref, pathParameter } from './components.js';
import type { Paths, Schema } from './types.js';

// Admin API: signing keys (src/http/admin-routes.ts, src/keys/).

const tags = ['admin: keys'];
const nullableDate: Schema = { oneOf: [dateTime, { type: 'null' }] };
const kid: Schema = { type: 'string', description: 'RFC 7638 thumbprint of the public key.' };
const alg: Schema = { enum: [...SIGNING_ALGS] };
const state: Schema = { enum: ['pending', 'active', 'retired', 'removed', 'revoked'] };

export const adminKeySchemas: Record<string, Schema> = {
  KeySummary: {
    type: 'object',
    description: 'Public facts about a signing key; never private material.',
    properties: {
      kid,
      alg,
      state,
      createdAt: dateTime,
      activatesAt: nullableDate,
      retiresAt: nullableDate,
      removeAt: nullableDate,
      revokedAt: nullableDate,
    },
    required: ['kid', 'alg', 'state', 'createdAt', 'activatesAt', 'retiresAt', 'removeAt', 'revokedAt'],
    additionalProperties: false,
  },
};

export function adminKeyPaths(): Paths {
  return {
    '/admin/keys': {
      get: {
        operationId: 'listKeys',
        summary: 'Every signing key ever created, oldest first',
        tags,
        responses: {
          200: json('The keys.', {
            type: 'object',
            properties: { keys: { type: 'array', items: ref('schemas/KeySummary') } },
            required: ['keys'],
            additionalProperties: false,
          }),
        },
      },
    },
    '/admin/keys/rotate': {
      post: {
        operationId: 'rotateKey',
        summary: 'Create the next key: pre-published, or signing at once with `now: true`',
        tags,
        requestBody: jsonRequest(rotateBody, { required: false }),
        responses: {
          201: json('The new key.', {
            type: 'object',
            properties: { kid, alg, state },
            required: ['kid', 'alg', 'state'],
            additionalProperties: false,
          }),
          ...errors(JSON_BODY_ERRORS),
        },
      },
    },
    '/admin/keys/{kid}/revoke': {
      post: {
        operationId: 'revokeKey',
        summary: 'Revoke a key: out of the JWKS at once, its tokens rejected; the active key is replaced at once',
        tags,
        parameters: [pathParameter('kid', { schema: kid })],
        responses: {
          200: json('The key is revoked (revoking a revoked key changes nothing).', {
            type: 'object',
            properties: { kid, state: { const: 'revoked' } },
            required: ['kid', 'state'],
            additionalProperties: false,
          }),
          ...errors({ ...JSON_BODY_ERRORS, 404: 'not_found' }),
        },
      },
    },
  };
}
