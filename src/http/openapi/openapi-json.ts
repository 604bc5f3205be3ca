import { json } from './components.js';
import type { Paths } from './types.js';

// GET /openapi.json on each listener: the document of that listener (src/http/openapi-routes.ts).

export function openApiPaths(listener: 'public' | 'admin'): Paths {
  return {
    '/openapi.json': {
      get: {
        operationId: listener === 'public' ? 'publicOpenApi' : 'adminOpenApi',
        summary: `This OpenAPI 3.1 description of the ${listener} API`,
        tags: ['meta'],
        responses: {
          200: json('The OpenAPI document.', {
            type: 'object',
            properties: {
              openapi: { type: 'string', pattern: '^3\\.1\\.' },
              info: { type: 'object' },
              paths: { type: 'object' },
            },
            required: ['openapi', 'info', 'paths'],
          }),
        },
      },
    },
  };
}
