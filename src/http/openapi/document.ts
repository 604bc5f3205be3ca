import type { Config } from '../../config.js';
import { adminClientPaths, adminClientSchemas } from './admin-clients.js';
import { adminKeyPaths, adminKeySchemas } from './admin-keys.js';
import { adminRolePaths, adminRoleSchemas } from './admin-roles.js';
import { adminUserPaths, adminUserSchemas } from './admin-users.js';
import { accountPaths, accountSchemas } from './account.js';
import { authPaths, authSchemas, authSecuritySchemes } from './auth.js';
import { COMMON_RESPONSES, components, errors } from './components.js';
import { healthPaths } from './health.js';
import { inspectorPaths } from './inspector.js';
import { metricsPaths } from './metrics.js';
import { oauthPaths, oauthSchemas } from './oauth.js';
import { openApiPaths } from './openapi-json.js';
import { statusListPaths } from './status-list.js';
import type { OpenApiDocument, Paths, Responses, Schema } from './types.js';
import { currentUserSchemas, userSchemas } from './users.js';
import { wellKnownPaths, wellKnownSchemas } from './well-known.js';

// The OpenAPI 3.1 documents of the two listeners, served at /openapi.json on each and
// committed as docs/openapi.json and docs/openapi-admin.json (`npm run openapi` writes them;
// test/http/openapi.test.ts checks they are current, that every mounted route is described,
// and the harness validates every response the tests receive against them).
//
// To describe a new route:
//   1. Add its path item to its group's module (auth.ts, admin-users.ts, admin-keys.ts…), or write
//      a new module (e.g. oauth.ts) exporting `oauthPaths(config: Config): Paths` and, for named
//      schemas, `oauthSchemas: Record<string, Schema>`, and add `{ paths: oauthPaths, schemas:
//      oauthSchemas }` to PUBLIC or ADMIN below. A path item, with the helpers of components.ts:
//        '/oauth/token': { post: {
//          operationId: 'token', summary: 'Issue tokens (RFC 6749 §4.4, §6)', tags: ['oauth'],
//          requestBody: formRequest(tokenRequestSchema),            // or jsonRequest(zodSchema, …)
//          responses: {
//            200: json('Token response.', ref('schemas/OAuthTokenResponse'), ['Cache-Control']),
//            ...errors({ 400: ['invalid_request', 'invalid_grant', 'invalid_scope'], 401: 'invalid_client' }),
//          } } },
//      Express `:id` is written `{id}`, with a `parameters` entry (in: 'path'). Errors name their
//      codes by status; 500 and 503 (and 401 on the admin listener) are added to every operation here.
//   2. `npm run openapi` rewrites docs/openapi*.json. The tests then tell what is still missing:
//      a mounted route without a description, or a response that does not match its schema.

interface Group {
  paths: (config: Config) => Paths;
  schemas?: Record<string, Schema>;
}

const PUBLIC: Group[] = [
  { paths: healthPaths },
  { paths: wellKnownPaths, schemas: wellKnownSchemas },
  { paths: statusListPaths },
  { paths: () => openApiPaths('public') },
  { paths: authPaths, schemas: { ...authSchemas, ...userSchemas, ...currentUserSchemas } },
  { paths: accountPaths, schemas: accountSchemas },
  // PUBLIC_INSPECTOR=true also serves the token inspector page here (src/app.ts).
  { paths: (config) => (config.publicInspector ? inspectorPaths() : {}) },
  { paths: oauthPaths, schemas: oauthSchemas },
];

const ADMIN: Group[] = [
  { paths: inspectorPaths },
  { paths: adminUserPaths, schemas: adminUserSchemas },
  { paths: adminKeyPaths, schemas: adminKeySchemas },
  { paths: adminClientPaths, schemas: adminClientSchemas },
  { paths: adminRolePaths, schemas: adminRoleSchemas },
  { paths: metricsPaths },
  { paths: () => openApiPaths('admin') },
];

const VERSION = '0.1.0';
const LICENSE = { name: 'MIT', identifier: 'MIT' };

export function publicApiDocument(config: Config): OpenApiDocument {
  return {
    openapi: '3.1.1',
    info: {
      title: 'Latchkey public API',
      version: VERSION,
      license: LICENSE,
      description:
        'Login, refresh-cookie rotation, logout, the current user and their sessions and password, the OAuth token, ' +
        'revocation and introspection endpoints, and the documents resource servers fetch (JWKS, metadata, status lists). ' +
        'Every error is `{"error", "error_description"}` (`#/components/schemas/Error`).',
    },
    servers: [{ url: config.issuer, description: 'ISSUER' }],
    paths: assemble(PUBLIC, config, COMMON_RESPONSES),
    components: components({ schemas: schemasOf(PUBLIC), securitySchemes: authSecuritySchemes(config) }),
  };
}

export function adminApiDocument(config: Config): OpenApiDocument {
  return {
    openapi: '3.1.1',
    info: {
      title: 'Latchkey admin API',
      version: VERSION,
      license: LICENSE,
      description:
        'Users, sessions, roles, clients, signing keys, metrics and the token inspector page, on the admin listener (loopback by default). With `ADMIN_TOKEN` set, ' +
        'every request but the inspector page needs `Authorization: Bearer <ADMIN_TOKEN>` and answers 401 `invalid_token` without it.',
    },
    servers: [{ url: `http://${config.adminHost}:${config.adminPort}`, description: 'ADMIN_HOST:ADMIN_PORT' }],
    security: [{ adminToken: [] }, {}],
    // An operation with `security: []` (the inspector page) is served before the admin token is checked.
    paths: assemble(ADMIN, config, { ...errors({ 401: 'invalid_token' }), ...COMMON_RESPONSES }, COMMON_RESPONSES),
    components: components({
      schemas: schemasOf(ADMIN),
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, when it is set.' } },
    }),
  };
}

/**
 * Paths in mount order, each operation with the answers every operation of the listener may give
 * (`open`: those of an operation that needs no credentials, `security: []`).
 */
function assemble(groups: Group[], config: Config, common: Responses, open = common): Paths {
  const paths: Paths = {};
  for (const group of groups) {
    for (const [path, item] of Object.entries(group.paths(config))) {
      if (paths[path]) throw new Error(`OpenAPI: ${path} is described twice`);
      paths[path] = Object.fromEntries<unknown>(
        Object.entries(item).map(([method, operation]) =>
          typeof operation === 'object' && 'responses' in operation
            ? [
                method,
                { ...operation, responses: { ...operation.responses, ...(operation.security?.length === 0 ? open : common) } },
              ]
            : [method, operation],
        ),
      );
    }
  }
  return paths;
}

function schemasOf(groups: Group[]): Record<string, Schema> {
  return Object.assign({}, ...groups.map((g) => g.schemas ?? {})) as Record<string, Schema>;
}
