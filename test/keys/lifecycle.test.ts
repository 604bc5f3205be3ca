import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { PASSWORD, register } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { closeAll } from '../support/teardown.js';
import { activeKeyCount, keyRows, remoteVerifier, type RemoteVerifier } from './support.js';

// A full signing-key cycle driven by the fake clock (CONTRACT "Signing keys"): a key signs
// for KEY_ROTATION_INTERVAL; its successor is in the JWKS KEY_PREPUBLISH before it signs;
// the retired key stays published for ACCESS_TOKEN_TTL + CLOCK_SKEW, then leaves.

const ROTATION = 3600;
const PREPUBLISH = 600;
const TTL = 300;
const SKEW = 30;
const ENV = {
  KEY_ROTATION_INTERVAL: String(ROTATION),
  KEY_PREPUBLISH: String(PREPUBLISH),
  JWKS_MAX_AGE: '300',
  ACCESS_TOKEN_TTL: String(TTL),
  CLOCK_SKEW: String(SKEW),
};

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

async function jwks(http: Harness['http']) {
  const res = await http.get('/.well-known/jwks.json').expect(200);
  return { kids: (res.body.keys as { kid: string }[]).map((k) => k.kid), etag: res.headers.etag as string, res };
}

/** A login on the given app: the access token it answers. */
async function loginToken(http: Harness['http'], email: string) {
  const res = await http.post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  return res.body.access_token as string;
}

describe('rotation with pre-publication, one full cycle', () => {
  let h: Harness;
  let email: string;
  let verifier: RemoteVerifier;
  let t0: number;
  let first: string;
  const at = (seconds: number) => h.clock.set(new Date(t0 + seconds * 1000));
  const tickAt = async (seconds: number) => {
    at(seconds);
    await h.services.keyAdmin.tick();
  };

  beforeAll(async () => {
    h = await startHarness(ENV);
    t0 = h.clock.now().getTime();
    email = (await register(h.http)).email;
    first = h.services.keys.signingKey().kid;
    verifier = await remoteVerifier(h, h.apps.public);
  });
  afterAll(() => closeAll(verifier, h));

  it('starts with one active key, alone in the JWKS, cacheable for at most KEY_PREPUBLISH', async () => {
    const { kids, res } = await jwks(h.http);
    expect(kids).toEqual([first]);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(await activeKeyCount(h)).toBe(1);
  });

  it('creates nothing before the pre-publication window opens', async () => {
    await tickAt(ROTATION - PREPUBLISH - 1);
    expect((await jwks(h.http)).kids).toEqual([first]);
    expect(await keyRows(h)).toHaveLength(1);
  });

  let second: string;
  it('publishes the next key KEY_PREPUBLISH before it signs; tokens still carry the current kid', async () => {
    const before = (await jwks(h.http)).etag;
    await tickAt(ROTATION - PREPUBLISH);
    const { kids, etag } = await jwks(h.http);
    expect(kids).toHaveLength(2);
    second = kids.find((k) => k !== first)!;
    expect(etag).not.toBe(before);
    const rows = await keyRows(h);
    expect(rows.find((r) => r.kid === second)).toMatchObject({ state: 'pending', activatesAt: new Date(t0 + ROTATION * 1000) });
    expect(kidOf(await loginToken(h.http, email))).toBe(first);
    expect(await activeKeyCount(h)).toBe(1);
  });

  let oldToken: string;
  it('a resource server caches the JWKS (with the pending key) before the switch', async () => {
    at(ROTATION - 10);
    await h.services.keyAdmin.tick();
    oldToken = await loginToken(h.http, email);
    expect(kidOf(oldToken)).toBe(first);
    await verifier.verify(oldToken);
    expect(verifier.jwksFetches()).toBe(1);
  });

  it('at activation new tokens carry the new kid, and the cached JWKS verifies them without a re-fetch', async () => {
    await tickAt(ROTATION);
    const newToken = await loginToken(h.http, email);
    expect(kidOf(newToken)).toBe(second);
    const { payload } = await verifier.verify(newToken);
    expect(payload.sub).toBeDefined();
    expect(verifier.jwksFetches()).toBe(1);

    const rows = await keyRows(h);
    expect(rows.find((r) => r.kid === first)).toMatchObject({
      state: 'retired',
      retiredAt: new Date(t0 + ROTATION * 1000),
      removeAt: new Date(t0 + (ROTATION + TTL + SKEW) * 1000),
    });
    expect(rows.find((r) => r.kid === second)).toMatchObject({ state: 'active' });
    expect(await activeKeyCount(h)).toBe(1);
  });

  it('tokens of the retired key keep verifying, at the resource server and at /auth/me', async () => {
    at(ROTATION + 60);
    await verifier.verify(oldToken);
    expect(verifier.jwksFetches()).toBe(1);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${oldToken}`).expect(200);
    expect((await jwks(h.http)).kids).toEqual(expect.arrayContaining([first, second]));
  });

  it('keeps the retired key published until its last token has expired (ACCESS_TOKEN_TTL + CLOCK_SKEW)', async () => {
    // The last second the token signed at ROTATION - 10 is accepted (exp + skew): still verifiable.
    await tickAt(ROTATION - 10 + TTL + SKEW - 1);
    expect((await jwks(h.http)).kids).toContain(first);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${oldToken}`).expect(200);
    // A token signed in the key's very last second would be accepted until here.
    await tickAt(ROTATION + TTL + SKEW - 1);
    expect((await jwks(h.http)).kids).toContain(first);
  });

  it('removes the retired key from the JWKS once no token of it can verify', async () => {
    const before = (await jwks(h.http)).etag;
    await tickAt(ROTATION + TTL + SKEW);
    const { kids, etag } = await jwks(h.http);
    expect(kids).toEqual([second]);
    expect(etag).not.toBe(before);
    expect((await keyRows(h)).find((r) => r.kid === first)).toMatchObject({ state: 'removed' });
    const events = (await h.services.store.events.list({ type: 'key_removed' })).map((e) => e.details?.kid);
    expect(events).toEqual([first]);
  });

  it('runs the next rotation on the same schedule: pre-published KEY_ROTATION_INTERVAL after the last activation', async () => {
    await tickAt(2 * ROTATION - PREPUBLISH - 1);
    expect((await jwks(h.http)).kids).toEqual([second]);
    await tickAt(2 * ROTATION - PREPUBLISH);
    const third = (await jwks(h.http)).kids.find((k) => k !== second)!;
    expect(third).toBeDefined();
    await tickAt(2 * ROTATION);
    expect(kidOf(await loginToken(h.http, email))).toBe(third);
    expect(await activeKeyCount(h)).toBe(1);
    expect((await keyRows(h)).map((r) => r.state)).toEqual(['removed', 'retired', 'active']);
  });

  it('pre-publishes a full KEY_PREPUBLISH even when the schedule was missed (instance down)', async () => {
    // Nothing ticked through the next window: the next key must still be published before it signs.
    await tickAt(3 * ROTATION + 100);
    const rows = await keyRows(h);
    const pending = rows.filter((r) => r.state === 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.activatesAt).toEqual(new Date(t0 + (3 * ROTATION + 100 + PREPUBLISH) * 1000));
  });
});

describe('changing SIGNING_ALG', () => {
  let h: Harness;
  let edInstance: Services;
  let verifier: RemoteVerifier;

  beforeAll(async () => {
    h = await startHarness(ENV);
    verifier = await remoteVerifier(h, h.apps.public);
  });
  afterAll(() => closeAll(verifier, h));

  it('rolls to a key of the new algorithm through pre-publication; old tokens verify until they expire', async () => {
    const user = await register(h.http);
    const es256 = h.services.keys.signingKey();
    expect(es256.alg).toBe('ES256');

    // The same database, restarted with SIGNING_ALG=EdDSA.
    edInstance = (await h.buildInstance({ SIGNING_ALG: 'EdDSA' })).services;

    // The EdDSA key is published first; ES256 keeps signing meanwhile.
    expect(edInstance.keys.signingKey().kid).toBe(es256.kid);
    const published = JSON.parse(edInstance.keys.jwks().body).keys as { kid: string; alg: string; kty: string; crv?: string }[];
    const ed = published.find((k) => k.alg === 'EdDSA')!;
    expect(ed).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    await h.services.keys.reload();
    expect((await jwks(h.http)).kids).toEqual(expect.arrayContaining([es256.kid, ed.kid]));

    // Just before the switch: a token of the old algorithm, and a resource server caching the JWKS.
    h.clock.advance(PREPUBLISH - 10);
    await edInstance.keyAdmin.tick();
    const oldToken = await loginToken(h.http, user.email);
    expect(decodeProtectedHeader(oldToken)).toMatchObject({ alg: 'ES256', kid: es256.kid });
    await verifier.verify(oldToken);

    h.clock.advance(10);
    await edInstance.keyAdmin.tick();
    // The old-config instance only follows (reload); it is the one being replaced.
    await h.services.keys.reload();
    expect(edInstance.keys.signingKey()).toMatchObject({ kid: ed.kid, alg: 'EdDSA' });
    // Every instance signs with the active key, whatever its own SIGNING_ALG.
    const newToken = await loginToken(h.http, user.email);
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: 'EdDSA', kid: ed.kid, typ: 'at+jwt' });

    // Both verify: at /auth/me, on the EdDSA instance, and through the JWKS cached before the switch.
    await h.http.get('/auth/me').set('Authorization', `Bearer ${oldToken}`).expect(200);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${newToken}`).expect(200);
    expect(await edInstance.accessTokens.verify(oldToken)).toMatchObject({ sub: user.id });
    await verifier.verify(oldToken);
    await verifier.verify(newToken);
    expect(verifier.jwksFetches()).toBe(1);
    expect(await activeKeyCount(h)).toBe(1);

    // ACCESS_TOKEN_TTL + CLOCK_SKEW after the switch the ES256 key leaves the JWKS.
    h.clock.advance(TTL + SKEW);
    await edInstance.keyAdmin.tick();
    expect((JSON.parse(edInstance.keys.jwks().body).keys as { alg: string }[]).map((k) => k.alg)).toEqual(['EdDSA']);
    expect((await keyRows(h)).map((r) => [r.alg, r.state])).toEqual([
      ['ES256', 'removed'],
      ['EdDSA', 'active'],
    ]);
  });
});
