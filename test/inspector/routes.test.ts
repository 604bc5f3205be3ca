import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// GET /inspect (CONTRACT Part 2 "Inspector"): always on the admin listener, on the public one
// only with PUBLIC_INSPECTOR=true; a static page whose CSP allows its own files and fetches
// to this server only. What the page does in a browser: page.test.ts.

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https://auth.example.com; img-src data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ISSUER: 'https://auth.example.com', ADMIN_TOKEN: 'a-long-admin-token-for-tests' });
});
afterAll(() => h?.close());

describe('the inspector page by default', () => {
  it('is served by the admin listener, without the admin token (a browser cannot send it), with a strict CSP', async () => {
    const res = await h.admin.get('/inspect').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('has no inline script or style: only its own same-origin files', async () => {
    const html = (await h.admin.get('/inspect')).text;
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script type="module" src="/inspect/inspector.js">',
    ]);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\/(?!auth\.example\.com)/);
    expect(html).toContain('data-jwks="https://auth.example.com/.well-known/jwks.json"');
    expect(html).toContain('data-issuer="https://auth.example.com"');
    expect(html).toContain('data-audience="api"');
  });

  it('serves its script and style, bundled, with their types', async () => {
    const js = await h.admin.get('/inspect/inspector.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text.length).toBeGreaterThan(1000);
    expect(js.text).not.toMatch(/\bimport\s*\(|from\s*["']jose["']|node:/);
    const css = await h.admin.get('/inspect/inspector.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('.verdict');
  });

  it('is not on the public listener', async () => {
    expect((await undescribed(h.http.get('/inspect')).expect(404)).body.error).toBe('not_found');
    await undescribed(h.http.get('/inspect/inspector.js')).expect(404);
  });

  it('answers other methods with 405', async () => {
    const res = await undescribed(h.admin.post('/inspect')).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('with PUBLIC_INSPECTOR=true', () => {
  it('is on the public listener too, with the same CSP', async () => {
    // Only the config differs: an instance of the same deployment with PUBLIC_INSPECTOR=true.
    const instance = await h.buildInstance({ PUBLIC_INSPECTOR: 'true' });
    // Plain supertest: the inspector's files are outside the OpenAPI description.
    const res = await supertest(instance.apps.public).get('/inspect').expect(200);
    expect(res.headers['content-security-policy']).toBe(CSP);
    await supertest(instance.apps.public).get('/inspect/inspector.js').expect(200);
    await undescribed(h.http.get('/inspect')).expect(404);
  });
});
