import { STATUS_LIST_MEDIA_TYPE } from '../../tokens/status-list.js';
import { ETAG, empty, errors, pathParameter, publicCacheControl } from './components.js';
import type { Paths } from './types.js';

// GET /statuslists/{id} (src/http/status-list-routes.ts; draft-ietf-oauth-status-list §8).

const headers = { ...publicCacheControl('`public, max-age=STATUS_LIST_TTL`: the token’s `ttl`.'), ...ETAG };

export function statusListPaths(): Paths {
  return {
    '/statuslists/{id}': {
      get: {
        operationId: 'statusList',
        summary: 'A Status List Token: the revocation bits of access tokens',
        description:
          'The `status_list.uri` claim of an access token points here; bit `idx` set means revoked. Readable from any origin.',
        tags: ['discovery'],
        parameters: [pathParameter('id', { description: 'The list number (1, 2, …); anything else is 404.' })],
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
