import type { Header, Paths } from './types.js';

// GET /inspect and its assets (src/http/inspector-routes.ts): on the admin listener, before the
// admin token (a browser cannot send it on a page load); on the public one with PUBLIC_INSPECTOR.

const tags = ['inspector'];

const page = (path: string, operationId: string, summary: string, mediaType: string, headers: Record<string, Header> = {}) => ({
  [path]: {
    get: {
      operationId,
      summary,
      tags,
      // Served before the admin token is checked.
      security: [],
      responses: {
        200: {
          description: 'Static; never holds a token.',
          headers: { 'Cache-Control': { required: true, schema: { const: 'no-cache' } }, ...headers },
          content: { [mediaType]: { schema: { type: 'string' } } },
        },
      },
    },
  },
});

export function inspectorPaths(): Paths {
  return {
    ...page(
      '/inspect',
      'inspector',
      'The token inspector page (decodes and verifies a pasted token in the browser)',
      'text/html',
      {
        'Content-Security-Policy': {
          description: 'Its own script and style only; fetches to this server and the ISSUER origin only; Trusted Types.',
          required: true,
          schema: { type: 'string', pattern: "default-src 'none'" },
        },
      },
    ),
    ...page('/inspect/inspector.js', 'inspectorScript', "The inspector page's script", 'text/javascript'),
    ...page('/inspect/inspector.css', 'inspectorStyle', "The inspector page's style sheet", 'text/css'),
  };
}
