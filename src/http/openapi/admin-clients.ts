import { clientSecretBody, createClientBody } from '../admin-client-routes.js';
import { JSON_BODY_ERRORS, dateTime, empty, errors, json, jsonRequest, ref, pathParameter } from './components.js';
import type { Paths, Schema } from './types.js';

// Admin API: registered OAuth clients (src/http/admin-client-routes.ts; CONTRACT Part 2 "Clients").

const tags = ['admin: clients'];
const clientIdSchema: Schema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', examples: ['lkc_2mW6v0y1QqkzN7cXbE4a9g'] };
const clientSecret: Schema = { type: 'string', minLength: 1, description: 'Shown once; only its hash is kept.' };
const clientId = pathParameter('id', { description: 'The client id (`client_id`); anything that cannot be one is 404.' });

/** What the admin API shows of a client: never a secret or its hash. */
const clientProperties = {
  client_id: clientIdSchema,
  name: { type: 'string', minLength: 1, maxLength: 200 },
  type: { enum: ['confidential', 'public'] },
  grant_types: { type: 'array', items: { enum: ['client_credentials', 'refresh_token'] }, uniqueItems: true },
  scopes: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  audience: { type: 'string', minLength: 1 },
  createdAt: dateTime,
  secretRotatedAt: { ...dateTime, description: 'When the secret was last rotated; absent if never.' },
  previousSecretValidUntil: {
    ...dateTime,
    description: 'Until when the secret replaced by the last rotation is still accepted; absent without a grace period.',
  },
} satisfies Record<string, Schema>;
const clientRequired = ['client_id', 'name', 'type', 'grant_types', 'scopes', 'audience', 'createdAt'];

export const adminClientSchemas: Record<string, Schema> = {
  Client: {
    type: 'object',
    description: 'A registered client (never its secret or the hash of it).',
    properties: clientProperties,
    required: clientRequired,
    additionalProperties: false,
  },
  CreatedClient: {
    type: 'object',
    description: 'The new client; a confidential client comes with its `client_secret`, shown this once.',
    properties: { ...clientProperties, client_secret: clientSecret },
    required: clientRequired,
    additionalProperties: false,
  },
};

export function adminClientPaths(): Paths {
  return {
    '/admin/clients': {
      post: {
        operationId: 'createClient',
        summary: 'Register a client',
        description:
          '`audience` defaults to `AUDIENCE`. `client_credentials` needs a confidential client (RFC 6749 §4.4); ' +
          'scopes are RFC 6749 §3.3 scope tokens.',
        tags,
        requestBody: jsonRequest(createClientBody, { required: true }),
        responses: { 201: json('The new client.', ref('schemas/CreatedClient')), ...errors(JSON_BODY_ERRORS) },
      },
      get: {
        operationId: 'listClients',
        summary: 'Every registered client',
        tags,
        responses: {
          200: json('The clients.', {
            type: 'object',
            properties: { clients: { type: 'array', items: ref('schemas/Client') } },
            required: ['clients'],
            additionalProperties: false,
          }),
        },
      },
    },
    '/admin/clients/{id}': {
      get: {
        operationId: 'getClient',
        summary: 'One client',
        tags,
        parameters: [clientId],
        responses: { 200: json('The client.', ref('schemas/Client')), ...errors({ 404: 'not_found' }) },
      },
      delete: {
        operationId: 'deleteClient',
        summary: 'Delete a client; every session issued to it is revoked and its tokens show as revoked',
        tags,
        parameters: [clientId],
        responses: { 204: empty('Deleted.'), ...errors({ 404: 'not_found' }) },
      },
    },
    '/admin/clients/{id}/secret': {
      post: {
        operationId: 'rotateClientSecret',
        summary: 'Rotate the secret of a confidential client',
        description:
          'With `grace` (seconds) the previous secret is still accepted for that long; without it, it stops at once. ' +
          'A public client has no secret: 400.',
        tags,
        parameters: [clientId],
        requestBody: jsonRequest(clientSecretBody, { required: false }),
        responses: {
          201: json('The new secret, shown this once.', {
            type: 'object',
            properties: { client_id: clientIdSchema, client_secret: clientSecret },
            required: ['client_id', 'client_secret'],
            additionalProperties: false,
          }),
          ...errors({ ...JSON_BODY_ERRORS, 404: 'not_found' }),
        },
      },
    },
  };
}
