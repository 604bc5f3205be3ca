import { SIGNING_ALGS } from '../../config.js';
import { ETAG, empty, json, publicCacheControl, ref } from './components.js';
import type { Paths, Schema } from './types.js';

// The public documents resource servers fetch (src/http/well-known-routes.ts).

const tags = ['discovery'];

const strings: Schema = { type: 'array', items: { type: 'string' } };

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
      token_endpoint: { type: 'string', format: 'uri' },
      token_endpoint_auth_methods_supported: strings,
      grant_types_supported: strings,
      revocation_endpoint: { type: 'string', format: 'uri' },
      revocation_endpoint_auth_methods_supported: strings,
      introspection_endpoint: { type: 'string', format: 'uri' },
      introspection_endpoint_auth_methods_supported: strings,
      scopes_supported: { ...strings, description: 'The permissions known now (refreshed within a minute).' },
      access_token_signing_alg_values_supported: strings,
      latchkey_registration_endpoint: { type: 'string', format: 'uri', description: 'Absent when registration is off.' },
      latchkey_login_endpoint: { type: 'string', format: 'uri' },
      latchkey_refresh_endpoint: { type: 'string', format: 'uri' },
      latchkey_logout_endpoint: { type: 'string', format: 'uri' },
      latchkey_logout_all_endpoint: { type: 'string', format: 'uri' },
      latchkey_userinfo_endpoint: { type: 'string', format: 'uri' },
      latchkey_access_token_typ: { const: 'at+jwt' },
      latchkey_access_token_audience: { type: 'string' },
    },
    required: ['issuer', 'jwks_uri', 'response_types_supported'],
  },
};

const publicCache = publicCacheControl('`public, max-age=JWKS_MAX_AGE`: any cache may keep it that long.');

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
          200: json('The JWK Set (RFC 7517 §5).', ref('schemas/Jwks'), { ...publicCache, ...ETAG }),
          304: empty('Not modified: the `If-None-Match` tag is current.', { ...publicCache, ...ETAG }),
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
