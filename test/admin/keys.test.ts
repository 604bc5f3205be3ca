import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// Admin API, signing keys (CONTRACT "Admin API" and "Signing keys"). Revocation's effect on
// tokens is in test/keys/revocation.test.ts; here the routes, their answers and their events.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ KEY_PREPUBLISH: '3600', KEY_ROTATION_INTERVAL: '86400' });
});
afterAll(() => h?.close());

const listKeys = async () => (await h.admin.get('/admin/keys').expect(200)).body.keys as Record<string, unknown>[];
const jwksKids = async () => ((await h.http.get('/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('GET /admin/keys', () => {
  it('lists each key with its schedule and nothing private', async () => {
    const res = await h.admin.get('/admin/keys').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const [active] = res.body.keys;
    expect(active).toEqual({
      kid: h.services.keys.signingKey().kid,
      alg: 'ES256',
      state: 'active',
      createdAt: h.clock.now().toISOString(),
      activatesAt: h.clock.now().toISOString(),
      // Scheduled: KEY_ROTATION_INTERVAL after it started signing.
      retiresAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString(),
      removeAt: null,
      revokedAt: null,
    });
    const raw = JSON.stringify(res.body);
    for (const secret of ['"d"', 'private', 'sealed']) expect(raw).not.toContain(secret);
  });
});

describe('POST /admin/keys/rotate', () => {
  it('creates a pending key that is published at once and signs after KEY_PREPUBLISH', async () => {
    const before = h.services.keys.signingKey().kid;
    const res = await h.admin.post('/admin/keys/rotate').set('X-Request-Id', 'rotate-1').expect(201);
    expect(res.body).toEqual({ kid: expect.any(String), alg: 'ES256', state: 'pending' });
    expect(await jwksKids()).toContain(res.body.kid);
    const user = await registerAndLogin(h);
    expect(kidOf(user.accessToken)).toBe(before);

    const keys = await listKeys();
    expect(keys.find((k) => k.kid === res.body.kid)).toMatchObject({
      state: 'pending',
      activatesAt: new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
    });
    // The active key is now scheduled to retire when the pending one takes over.
    expect(keys.find((k) => k.kid === before)).toMatchObject({
      state: 'active',
      retiresAt: keys.find((k) => k.kid === res.body.kid)!.activatesAt,
    });

    const events = (await h.services.store.events.list({ type: 'admin_key_rotated' })).filter((e) => e.requestId === 'rotate-1');
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({ kid: res.body.kid, now: false });
  });

  it('with {now: true} signs with the new key at once and retires the old one (still published)', async () => {
    const before = h.services.keys.signingKey().kid;
    const res = await h.admin.post('/admin/keys/rotate').send({ now: true }).expect(201);
    expect(res.body).toMatchObject({ state: 'active' });
    const user = await registerAndLogin(h);
    expect(kidOf(user.accessToken)).toBe(res.body.kid);
    const keys = await listKeys();
    expect(keys.find((k) => k.kid === before)).toMatchObject({ state: 'retired', retiresAt: h.clock.now().toISOString() });
    expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
    expect(await jwksKids()).toEqual(expect.arrayContaining([before, res.body.kid]));
  });

  it('replaces a pending key instead of queueing a second one', async () => {
    const first = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid;
    const second = (await h.admin.post('/admin/keys/rotate').send({}).expect(201)).body.kid;
    const keys = await listKeys();
    expect(keys.filter((k) => k.state === 'pending').map((k) => k.kid)).toEqual([second]);
    expect(keys.find((k) => k.kid === first)).toMatchObject({ state: 'removed' });
    expect(await jwksKids()).not.toContain(first);
  });

  it('answers 400 for a body that is not {now?: boolean}, 415 for a non-JSON one', async () => {
    for (const body of [{ now: 'yes' }, { now: true, alg: 'RS256' }, [true]]) {
      const res = await h.admin.post('/admin/keys/rotate').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    const text = await h.admin.post('/admin/keys/rotate').type('text').send('now');
    expect(text.status).toBe(415);
  });
});

describe('POST /admin/keys/:kid/revoke', () => {
  it('answers {kid, state: "revoked"} and records who asked', async () => {
    const pending = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid;
    const res = await h.admin.post(`/admin/keys/${pending}/revoke`).set('X-Request-Id', 'revoke-key-1').expect(200);
    expect(res.body).toEqual({ kid: pending, state: 'revoked' });
    const events = await h.services.store.events.list({ type: 'admin_key_revoked' });
    expect(events.filter((e) => e.requestId === 'revoke-key-1').map((e) => e.details)).toEqual([{ kid: pending }]);
    const keyEvent = (await h.services.store.events.list({ type: 'key_revoked' })).find((e) => e.details?.kid === pending);
    expect(keyEvent).toMatchObject({ requestId: 'revoke-key-1', details: { previousState: 'pending' } });
  });

  it('is idempotent for a key already revoked', async () => {
    const pending = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid;
    await h.admin.post(`/admin/keys/${pending}/revoke`).expect(200);
    await h.admin.post(`/admin/keys/${pending}/revoke`).expect(200, { kid: pending, state: 'revoked' });
    expect((await h.services.store.events.list({ type: 'key_revoked' })).filter((e) => e.details?.kid === pending)).toHaveLength(
      1,
    );
  });

  it('answers 404 not_found for an unknown kid, and for one that cannot be a kid (CONTRACT: 404 unknown kid)', async () => {
    const unknown = await h.admin.post('/admin/keys/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/revoke');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const malformed = await h.admin.post('/admin/keys/not%20a%20kid!/revoke');
    expect(malformed.status).toBe(404);
    expect(malformed.body.error).toBe('not_found');
  });
});

it('answers unknown admin routes with a JSON 404 and wrong methods with 405', async () => {
  const missing = await undescribed(h.admin.get('/admin/nothing'));
  expect(missing.status).toBe(404);
  expect(missing.body.error).toBe('not_found');
  const wrong = await undescribed(h.admin.delete('/admin/keys'));
  expect(wrong.status).toBe(405);
  expect(wrong.headers.allow).toBe('GET, HEAD');
});
