import type { Header, Operation, Paths, Response } from './types.js';

// GET /inspect and its script and style (src/http/inspector-routes.ts): a static page; the
// pasted token never reaches the server. Always on the admin listener; on the public one
// only with PUBLIC_INSPECTOR=true (document.ts includes these paths then).

const tags = ['inspector'];
const noCache: Record<string, Header> = {
  'Cache-Control': { description: 'Revalidate every time.', required: true, schema: { const: 'no-cache' } },
};

const text = (description: string, type: string, headers: Record<string, Header>): Response => ({
  description,
  headers,
  content: { [type]: { schema: { type: 'string' } } },
});

const asset = (operationId: string, summary: string, type: string): Operation => ({
  operationId,
  summary,
  tags,
  responses: { 200: text(summary, type, noCache) },
});

export function inspectorPaths(): Paths {
  return {
    '/inspect': {
      get: {
        operationId: 'inspector',
        summary: 'The token inspector page (decode and verify a token in the browser)',
        tags,
        responses: {
          200: text('The page.', 'text/html', {
            ...noCache,
            'Content-Security-Policy': {
              description: "Its own script and style only; fetches to this server ('self' and the ISSUER origin) only.",
              required: true,
              schema: { type: 'string', pattern: "^default-src 'none'" },
            },
          }),
        },
      },
    },
    '/inspect/inspector.js': { get: asset('inspectorScript', 'The page’s script (bundled)', 'text/javascript') },
    '/inspect/inspector.css': { get: asset('inspectorStyle', 'The page’s style sheet', 'text/css') },
  };
}
