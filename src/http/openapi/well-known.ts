import { SIGNING_ALGS } from '../../config.js';
import { empty, json, ref } from './components.js';
import type { Header, Paths, Schema } from './types.js';

// The public documents resource servers fetch (src/http/well-known-routes.ts).

const tags = ['discovery'];

export const wellKnownSchemas: Record<string, Schema> = {
  // RFC 7517 §4 members; public members only, never `d`, `p`, `q` or other private ones.
  Jwk: {
    type: 'object',
    properties: {
      kty: { enum: ['EC', 'OKP', 'RSA'] },
      kid: { type: 'string' },
      alg: { enum: [...SIGNING_ALGS] },
      use: { const: 'sig' },
      crv: { type: 'string' },
      x: { type: 'string' },
      y: { type: 'string' },
      n: { type: 'string' },
      e: { type: 'string' },
    },
    required: ['kty', 'kid', 'alg', 'use'],
    additionalProperties: false,
  },
  Jwks: {
    type: 'object',
    properties: { keys: { type: 'array', items: ref('schemas/Jwk') } },
    required: ['keys'],
    additionalProperties: false,
  },
  // RFC 8414 §2. Open to additional members (§3.2: clients ignore the ones they do not know).
  AuthorizationServerMetadata: {
    type: 'object',
    properties: {
      issuer: { type: 'string', format: 'uri' },
      jwks_uri: { type: 'string', format: 'uri' },
      response_types_supported: { type: 'array', items: { type: 'string' } },
      grant_types_supported: { type: 'array', items: { type: 'string' } },
      access_token_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
    },
    required: ['issuer', 'jwks_uri', 'response_types_supported'],
  },
};

const publicCache: Record<string, Header> = {
  'Cache-Control': {
    description: '`public, max-age=JWKS_MAX_AGE`: any cache may keep it that long.',
    required: true,
    schema: { type: 'string', pattern: '^public, max-age=[0-9]+$' },
  },
};
const etag: Record<string, Header> = {
  ETag: {
    description: 'Send it back in `If-None-Match` to revalidate.',
    required: true,
    schema: { type: 'string', pattern: '^"[^"]+"$' },
  },
};

export function wellKnownPaths(): Paths {
  return {
    '/.well-known/jwks.json': {
      get: {
        operationId: 'jwks',
        summary: 'The public signing keys (JWK Set)',
        description:
          'Every key that is about to sign, signs, or signed tokens that have not expired yet. Readable from any origin.',
        tags,
        responses: {
          200: json('The JWK Set (RFC 7517 §5).', ref('schemas/Jwks'), { ...publicCache, ...etag }),
          304: empty('Not modified: the `If-None-Match` tag is current.', { ...publicCache, ...etag }),
        },
      },
    },
    '/.well-known/oauth-authorization-server': {
      get: {
        operationId: 'authorizationServerMetadata',
        summary: 'RFC 8414 authorization server metadata',
        tags,
        responses: { 200: json('The metadata.', ref('schemas/AuthorizationServerMetadata'), publicCache) },
      },
    },
  };
}
