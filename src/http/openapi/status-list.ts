import { STATUS_LIST_MEDIA_TYPE } from '../../tokens/status-list.js';
import { empty, errors } from './components.js';
import type { Header, Paths } from './types.js';

// GET /statuslists/{id} (src/http/status-list-routes.ts; draft-ietf-oauth-status-list §8).

const headers: Record<string, Header> = {
  'Cache-Control': {
    description: '`public, max-age=STATUS_LIST_TTL`: the token’s `ttl`.',
    required: true,
    schema: { type: 'string', pattern: '^public, max-age=[0-9]+$' },
  },
  ETag: {
    description: 'Send it back in `If-None-Match` to revalidate.',
    required: true,
    schema: { type: 'string', pattern: '^"[^"]+"$' },
  },
};

export function statusListPaths(): Paths {
  return {
    '/statuslists/{id}': {
      get: {
        operationId: 'statusList',
        summary: 'A Status List Token: the revocation bits of access tokens',
        description:
          'The `status_list.uri` claim of an access token points here; bit `idx` set means revoked. Readable from any origin.',
        tags: ['discovery'],
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'The list number (1, 2, …); anything else is 404.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          200: {
            description: 'The signed Status List Token (a JWT, `typ: statuslist+jwt`).',
            headers,
            content: {
              [STATUS_LIST_MEDIA_TYPE]: {
                schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' },
              },
            },
          },
          304: empty('Not modified: the `If-None-Match` tag is current.', headers),
          ...errors({ 404: 'not_found' }),
        },
      },
    },
  };
}
