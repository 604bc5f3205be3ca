import type { Paths } from './types.js';

// GET /metrics on the admin listener (src/http/middleware/metrics.ts serves src/metrics.ts).

export function metricsPaths(): Paths {
  return {
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        responses: {
          200: {
            description: 'Counters, histograms and gauges named `latchkey_*`.',
            content: { 'text/plain': { schema: { type: 'string', pattern: 'latchkey_' } } },
          },
        },
      },
    },
  };
}
