import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { adminApiDocument, publicApiDocument } from '../../src/http/openapi/document.js';
import { OPENAPI_FILES, openApiFileContents } from '../../src/http/openapi/files.js';
import { HTTP_METHODS, type OpenApiDocument } from '../../src/http/openapi/types.js';
import { type Harness, startHarness } from '../support/harness.js';
import { mountedRoutes } from '../support/routes.js';

// The OpenAPI description is kept true three ways: this file checks it is a valid OpenAPI 3.1
// document that describes exactly the routes the apps mount, and that the committed copies are
// current; the harness (test/support/openapi.ts) validates every response the suite receives.

const ROOT = path.resolve(import.meta.dirname, '../..');

let h: Harness;
let off: Harness;
beforeAll(async () => {
  [h, off] = await Promise.all([startHarness(), startHarness({ ALLOW_REGISTRATION: 'false' })]);
});
afterAll(async () => {
  await h?.close();
  await off?.close();
});

const listeners = () =>
  [
    ['public', h.apps.public, publicApiDocument(h.config)],
    ['admin', h.apps.admin, adminApiDocument(h.config)],
    ['public (registration off)', off.apps.public, publicApiDocument(off.config)],
  ] as const;

describe('the OpenAPI documents', () => {
  it.each([
    ['public', () => publicApiDocument(h.config)],
    ['admin', () => adminApiDocument(h.config)],
    ['public with registration off', () => publicApiDocument(off.config)],
  ])('%s: is a valid OpenAPI 3.1 document', async (_name, document) => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document()) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route each app mounts, with each of its methods', () => {
    for (const [name, app, document] of listeners()) {
      const undescribed = mountedRoutes(app).flatMap(({ path, methods }) => {
        const item = document.paths[path];
        if (!item) return [`${name}: ${path}`];
        return methods.filter((m) => !(m in item)).map((m) => `${name}: ${m.toUpperCase()} ${path}`);
      });
      expect(undescribed, 'add these to src/http/openapi/ (see document.ts)').toEqual([]);
    }
  });

  it('describes nothing the apps do not mount', () => {
    for (const [name, app, document] of listeners()) {
      const mounted = new Map(mountedRoutes(app).map((r) => [r.path, r]));
      const stale = Object.entries(document.paths).flatMap(([path, item]) => {
        const route = mounted.get(path);
        if (!route) return [`${name}: ${path}`];
        // A GET answered ahead of the router (the public documents' fast path) shows as .all().
        return operationsOf(item)
          .filter((m) => !route.methods.includes(m) && !route.all)
          .map((m) => `${name}: ${m.toUpperCase()} ${path}`);
      });
      expect(stale).toEqual([]);
    }
    expect(publicApiDocument(off.config).paths).not.toHaveProperty('/auth/register');
  });

  it('is served at /openapi.json on each listener, the public one readable from any origin', async () => {
    const pub = await h.http.get('/openapi.json').set('Origin', 'https://explorer.example.net').expect(200);
    expect(pub.body).toEqual(publicApiDocument(h.config));
    expect(pub.headers['access-control-allow-origin']).toBe('*');
    const admin = await h.admin.get('/openapi.json').expect(200);
    expect(admin.body).toEqual(adminApiDocument(h.config));
    expect(
      Object.keys(admin.body.paths).every(
        (p: string) => p.startsWith('/admin/') || p.startsWith('/inspect') || ['/metrics', '/openapi.json'].includes(p),
      ),
    ).toBe(true);
    expect(Object.keys(pub.body.paths).some((p: string) => p.startsWith('/admin'))).toBe(false);
  });

  it('is committed in docs/ as the server serves it with the default configuration (npm run openapi writes it)', async () => {
    const expected = openApiFileContents(loadConfig({}));
    for (const [listener, file] of Object.entries(OPENAPI_FILES)) {
      const committed = await readFile(path.join(ROOT, file), 'utf8');
      expect(committed, `${file} is stale: run npm run openapi`).toBe(expected[listener as keyof typeof expected]);
    }
  });
});

const operationsOf = (item: OpenApiDocument['paths'][string]) => HTTP_METHODS.filter((m) => m in item);
