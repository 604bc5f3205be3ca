import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type Harness, TEST_ENV, startHarness } from '../support/harness.js';

// ADMIN_TOKEN (CONTRACT "Configuration"): when set, every admin request needs it as a Bearer
// token (RFC 6750 §2.1); a non-loopback admin listener without it refuses to start.

const ADMIN_TOKEN = 'a-long-admin-token-for-tests';

describe('with ADMIN_TOKEN set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ADMIN_TOKEN });
  });
  afterAll(() => h?.close());

  it('answers 401 invalid_token with a bare Bearer challenge when no token is sent', async () => {
    for (const req of [h.admin.get('/admin/keys'), h.admin.post('/admin/keys/rotate'), h.admin.get('/metrics')]) {
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('answers 401 invalid_token with error="invalid_token" for a wrong token or scheme', async () => {
    for (const header of [`Bearer ${ADMIN_TOKEN}x`, `Basic ${ADMIN_TOKEN}`, 'Bearer', `Bearer ${ADMIN_TOKEN.slice(1)}`]) {
      const res = await h.admin.get('/admin/keys').set('Authorization', header);
      expect(res.status, header).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('changes nothing when the token is wrong', async () => {
    const before = (await h.services.keyAdmin.list()).length;
    await h.admin.post('/admin/keys/rotate').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
    expect(await h.services.keyAdmin.list()).toHaveLength(before);
  });

  it('serves the request with the right token', async () => {
    const res = await h.admin.get('/admin/keys').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
  });
});

describe('admin listener configuration', () => {
  it('refuses a non-loopback ADMIN_HOST without ADMIN_TOKEN, naming ADMIN_TOKEN', () => {
    expect(() => loadConfig({ ...TEST_ENV, ADMIN_HOST: '0.0.0.0' })).toThrow(ConfigError);
    try {
      loadConfig({ ...TEST_ENV, ADMIN_HOST: '0.0.0.0' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^ADMIN_TOKEN: required when ADMIN_HOST/)]);
    }
  });

  it('accepts a non-loopback ADMIN_HOST with ADMIN_TOKEN, and loopback hosts without', () => {
    expect(loadConfig({ ...TEST_ENV, ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN }).adminHost).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(loadConfig({ ...TEST_ENV, ADMIN_HOST: host }).adminToken).toBeUndefined();
  });

  it('refuses an ADMIN_TOKEN shorter than 16 characters', () => {
    expect(() => loadConfig({ ...TEST_ENV, ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN/);
  });

  it('without ADMIN_TOKEN (loopback) serves admin requests without a token', async () => {
    const h = await startHarness();
    try {
      await h.admin.get('/admin/keys').expect(200);
    } finally {
      await h.close();
    }
  });
});
