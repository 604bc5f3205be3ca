import { json } from './components.js';
import type { Paths } from './types.js';

// Probes for load balancers and orchestrators (src/http/health-routes.ts).

const tags = ['health'];
const status = (value: string) => ({
  type: 'object',
  properties: { status: { const: value } },
  required: ['status'],
  additionalProperties: false,
});

export function healthPaths(): Paths {
  return {
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'Liveness: 200 while the process runs',
        tags,
        responses: { 200: json('Alive.', status('ok')) },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: the database answers and a signing key is active',
        description: '503 `temporarily_unavailable` otherwise, and while the server drains after SIGTERM.',
        tags,
        responses: { 200: json('Ready for traffic.', status('ready')) },
      },
    },
  };
}
