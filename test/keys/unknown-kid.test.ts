import { randomBytes } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../../src/keys/key-ring.js';
import type { SigningKeyStore } from '../../src/store/signing-keys.js';
import { PASSWORD, register } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, type Instance, startHarness } from '../support/harness.js';

// An instance meets a kid it does not know when another instance ran `keys rotate --now` (or
// revoked the active key) a moment ago: it re-reads the keys at once instead of refusing valid
// tokens until its next KEY_CHECK_INTERVAL. Made-up kids must not turn that into a database
// query per request: only thumbprint-shaped kids reload, and reloads are shared and spaced.

const thumbprintShaped = () => randomBytes(32).toString('base64url'); // 43 characters, like ours

/** A well-formed at+jwt signed by a key Latchkey never had, under the given kid. */
async function tokenWithKid(h: Pick<Harness, 'config'>, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ client_id: 'latchkey', sid: '00000000-0000-4000-8000-000000000000' })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(h.config.issuer)
    .setSubject('00000000-0000-4000-8000-000000000000')
    .setAudience(h.config.audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti('x')
    .sign(privateKey);
}

/** Counts the key ring's database reads (test-only patch of the injected store instance). */
function countReads(store: SigningKeyStore): () => number {
  const listLive = store.listLive.bind(store);
  let reads = 0;
  store.listLive = () => {
    reads++;
    return listLive();
  };
  return () => reads;
}

describe.runIf(usingPostgres())('keys rotate --now on one instance, tokens at another', () => {
  let h: Harness;
  let b: Instance;
  beforeAll(async () => {
    h = await startHarness();
    b = await h.startInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  const login = async (email: string) =>
    (await h.http.post('/auth/login').send({ email, password: PASSWORD }).expect(200)).body.access_token as string;

  it('a token of the new key passes /auth/me on the other instance at once, and it publishes the key', async () => {
    const user = await register(h.http);
    const rotated = (await h.admin.post('/admin/keys/rotate').send({ now: true }).expect(201)).body.kid as string;
    const token = await login(user.email);
    expect(decodeProtectedHeader(token).kid).toBe(rotated);

    // No schedule run on B, no waiting: B meets the kid and re-reads the keys.
    const me = await b.http.get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body.id).toBe(user.id);
    const published = (await b.http.get('/.well-known/jwks.json').expect(200)).body.keys as { kid: string }[];
    expect(published.map((k) => k.kid)).toContain(rotated);
  });

  it('still accepts a new key right after a made-up kid made it reload (it waits for the next reload)', async () => {
    const user = await register(h.http);
    await b.http.get('/auth/me').set('Authorization', `Bearer ${await tokenWithKid(h, thumbprintShaped())}`).expect(401);
    await h.admin.post('/admin/keys/rotate').send({ now: true }).expect(201);
    const token = await login(user.email);
    await b.http.get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
  });
});

describe('made-up kids cannot make the key ring query the database per request', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 401 without a query for kids that cannot be a thumbprint', async () => {
    const reads = countReads(h.services.store.signingKeys);
    for (const kid of ['1', 'key-2024', '../../etc/passwd', 'a'.repeat(44), `${'a'.repeat(42)}=`]) {
      const res = await h.http.get('/auth/me').set('Authorization', `Bearer ${await tokenWithKid(h, kid)}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
    }
    expect(reads()).toBe(0);
  });

  it('shares one reload among simultaneous thumbprint-shaped kids, and spaces the next one', async () => {
    const store = h.services.store.signingKeys;
    const reads = countReads(store);
    const ring = new KeyRing(store, h.services.sealer, 200);
    await ring.reload();
    expect(reads()).toBe(1);

    const burst = () => Promise.all(Array.from({ length: 50 }, () => ring.verificationKey(thumbprintShaped())));
    expect(await burst()).toEqual(Array.from({ length: 50 }, () => undefined));
    expect(reads()).toBe(2);
    const started = performance.now();
    await burst();
    expect(reads()).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150); // waited for its turn
    // A kid that exists is answered from memory, without a read.
    expect(await ring.verificationKey(h.services.keys.signingKey().kid)).toBeDefined();
    expect(reads()).toBe(3);
  });
});
