import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, PASSWORD, refresh, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { activeKeyCount, keyRows } from './support.js';

// Emergency revocation (CONTRACT "Signing keys"): a revoked key leaves the JWKS at once (new
// ETag), tokens it signed are rejected by /auth/me, and signing never stops.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ KEY_PREPUBLISH: '600', KEY_ROTATION_INTERVAL: '3600', JWKS_MAX_AGE: '300' });
});
afterAll(() => h?.close());

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
const revoke = (kid: string) => h.admin.post(`/admin/keys/${kid}/revoke`);
const me = (token: string) => h.http.get('/auth/me').set('Authorization', `Bearer ${token}`);
async function jwks() {
  const res = await h.http.get('/.well-known/jwks.json').expect(200);
  return { kids: (res.body.keys as { kid: string }[]).map((k) => k.kid), etag: res.headers.etag as string };
}
async function login(user: LoggedIn) {
  const res = await h.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  return res.body.access_token as string;
}

describe('revoking the active key', () => {
  let user: LoggedIn;
  let leaked: string;

  beforeAll(async () => {
    user = await registerAndLogin(h);
    leaked = kidOf(user.accessToken);
  });

  it('rejects its tokens at /auth/me, drops its kid from the JWKS with a new ETag, and keeps signing', async () => {
    await me(user.accessToken).expect(200);
    const before = await jwks();
    expect(before.kids).toEqual([leaked]);

    await revoke(leaked).expect(200, { kid: leaked, state: 'revoked' });

    const res = await me(user.accessToken);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);

    const after = await jwks();
    expect(after.kids).not.toContain(leaked);
    expect(after.kids).toHaveLength(1);
    expect(after.etag).not.toBe(before.etag);
    // A cache holding the old document must not be told it is still fresh.
    await h.http.get('/.well-known/jwks.json').set('If-None-Match', before.etag).expect(200);

    expect(await activeKeyCount(h)).toBe(1);
    expect((await keyRows(h)).find((k) => k.kid === leaked)).toMatchObject({ state: 'revoked', revokedAt: h.clock.now() });
  });

  it('new logins work and carry the next key', async () => {
    const next = h.services.keys.signingKey().kid;
    expect(next).not.toBe(leaked);
    const token = await login(user);
    expect(kidOf(token)).toBe(next);
    expect((await jwks()).kids).toEqual([next]);
    await me(token).expect(200);
  });

  it('leaves sessions alive: a refresh answers a token signed by the next key', async () => {
    const res = await refresh(h, user.refreshToken).expect(200);
    expect(kidOf(res.body.access_token)).toBe(h.services.keys.signingKey().kid);
    await me(res.body.access_token).expect(200);
  });

  it('activates the pre-published key at once when there is one', async () => {
    const active = h.services.keys.signingKey().kid;
    const pending = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid as string;
    await revoke(active).expect(200);
    expect(h.services.keys.signingKey().kid).toBe(pending);
    expect((await keyRows(h)).find((k) => k.kid === pending)).toMatchObject({ state: 'active', activatesAt: h.clock.now() });
    expect(await activeKeyCount(h)).toBe(1);
    const fresh = await registerAndLogin(h);
    expect(kidOf(fresh.accessToken)).toBe(pending);
  });

  it('records the revocation and the replacement key with the admin request id', async () => {
    const active = h.services.keys.signingKey().kid;
    await revoke(active).set('X-Request-Id', 'emergency-1').expect(200);
    const events = await h.database.db.prisma.securityEvent.findMany({ where: { requestId: 'emergency-1' }, orderBy: { id: 'asc' } });
    // No key was waiting, so the replacement is created active.
    expect(events.map((e) => [e.type, e.details])).toEqual([
      ['key_revoked', { kid: active, previousState: 'active' }],
      ['key_created', { kid: h.services.keys.signingKey().kid, alg: 'ES256', state: 'active' }],
      ['admin_key_revoked', { kid: active }],
    ]);
  });
});

describe('revoking a key that does not sign', () => {
  it('a pending key leaves the JWKS and never activates; the active key keeps signing', async () => {
    const active = h.services.keys.signingKey().kid;
    const pending = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid as string;
    expect((await jwks()).kids).toContain(pending);
    await revoke(pending).expect(200, { kid: pending, state: 'revoked' });
    expect((await jwks()).kids).not.toContain(pending);
    expect(h.services.keys.signingKey().kid).toBe(active);

    h.clock.advance(600);
    await h.services.keyAdmin.tick();
    expect(h.services.keys.signingKey().kid).not.toBe(pending);
    expect((await keyRows(h)).find((k) => k.kid === pending)).toMatchObject({ state: 'revoked' });
  });

  it('a retired key leaves the JWKS and its still-unexpired tokens are rejected', async () => {
    const user = await registerAndLogin(h);
    const retiring = kidOf(user.accessToken);
    const next = (await h.admin.post('/admin/keys/rotate').send({ now: true }).expect(201)).body.kid as string;
    await me(user.accessToken).expect(200); // retired keys verify until their tokens expire…
    await revoke(retiring).expect(200);
    await me(user.accessToken).expect(401); // …unless revoked
    expect((await jwks()).kids).not.toContain(retiring);
    expect(h.services.keys.signingKey().kid).toBe(next);
  });

  it('an unknown kid is 404 not_found and changes nothing', async () => {
    const before = await jwks();
    const res = await revoke('no-such-key-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: expect.stringContaining('no-such-key') });
    expect(await jwks()).toEqual(before);
  });
});
