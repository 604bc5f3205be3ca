import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/store/generated/client.js';
import type { SigningKeyStore } from '../../src/store/signing-keys.js';
import { PASSWORD, register } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, type Instance, startHarness } from '../support/harness.js';
import { activeKeyCount, keyRows } from './support.js';

// Several instances on one PostgreSQL (CONTRACT "Signing keys"): one rotation however many
// instances run the schedule at once; every instance follows; one active key, by the database.

const ENV = { KEY_ROTATION_INTERVAL: '3600', KEY_PREPUBLISH: '600', JWKS_MAX_AGE: '300' };
const jwksKids = (i: Pick<Instance, 'services'>) => (JSON.parse(i.services.keys.jwks().body).keys as { kid: string }[]).map((k) => k.kid);

/**
 * Holds every instance's schedule write until all `count` have decided to write, so they
 * really contend for the lock (the worst interleaving, every time). Test-only patch of the
 * injected store instances.
 */
function writeBarrier(stores: SigningKeyStore[], count: number): () => void {
  const waiting: (() => void)[] = [];
  const originals = stores.map((s) => s.applyChanges.bind(s));
  stores.forEach((store, i) => {
    store.applyChanges = (async (...args: Parameters<SigningKeyStore['applyChanges']>) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === count) waiting.forEach((release) => release());
      });
      return originals[i]!(...args);
    }) as SigningKeyStore['applyChanges'];
  });
  return () => {
    stores.forEach((s, i) => (s.applyChanges = originals[i]!));
    waiting.forEach((release) => release());
  };
}

describe('two instances on one PostgreSQL', () => {
  let h: Harness;
  let b: Instance;

  beforeAll(async () => {
    if (!usingPostgres()) return;
    h = await startHarness(ENV);
    b = await h.startInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.runIf(usingPostgres())('concurrent schedule runs at the same moment create exactly one new key', async () => {
    h.clock.advance(3000); // the pre-publication window opens
    const release = writeBarrier([h.services.store.signingKeys, b.services.store.signingKeys], 4);
    try {
      await Promise.all([h.services.keyAdmin.tick(), b.services.keyAdmin.tick(), h.services.keyAdmin.tick(), b.services.keyAdmin.tick()]);
    } finally {
      release();
    }
    const rows = await keyRows(h);
    expect(rows.map((r) => r.state)).toEqual(['active', 'pending']);
    expect(await h.services.store.events.list({ type: 'key_created' })).toHaveLength(2); // first start + this one
    expect(jwksKids(h)).toEqual(jwksKids(b));
  });

  it.runIf(usingPostgres())('concurrent activations at the same moment make exactly one switch', async () => {
    h.clock.advance(600);
    const release = writeBarrier([h.services.store.signingKeys, b.services.store.signingKeys], 4);
    try {
      await Promise.all([h.services.keyAdmin.tick(), b.services.keyAdmin.tick(), h.services.keyAdmin.tick(), b.services.keyAdmin.tick()]);
    } finally {
      release();
    }
    expect((await keyRows(h)).map((r) => r.state)).toEqual(['retired', 'active']);
    expect(await h.services.store.events.list({ type: 'key_activated' })).toHaveLength(1);
    expect(await h.services.store.events.list({ type: 'key_retired' })).toHaveLength(1);
    expect(h.services.keys.signingKey().kid).toBe(b.services.keys.signingKey().kid);
  });

  it.runIf(usingPostgres())('instance B serves and signs with the key A rotated to, once B runs its schedule', async () => {
    const user = await register(h.http);
    const rotated = (await h.admin.post('/admin/keys/rotate').send({ now: true }).expect(201)).body.kid as string;
    expect(jwksKids(h)).toContain(rotated);

    await b.services.keyAdmin.tick(); // what B's KEY_CHECK_INTERVAL timer does
    const res = await b.http.get('/.well-known/jwks.json').expect(200);
    expect((res.body.keys as { kid: string }[]).map((k) => k.kid)).toContain(rotated);
    const login = await b.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(decodeProtectedHeader(login.body.access_token).kid).toBe(rotated);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${login.body.access_token}`).expect(200);
    expect(await activeKeyCount(h)).toBe(1);
  });

  it.runIf(usingPostgres())('concurrent emergency revocations of the active key leave exactly one active key', async () => {
    const active = h.services.keys.signingKey().kid;
    const results = await Promise.allSettled([h.services.keyAdmin.revoke(active), b.services.keyAdmin.revoke(active)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await activeKeyCount(h)).toBe(1);
    expect((await h.services.store.events.list({ type: 'key_revoked' })).filter((e) => e.details?.kid === active)).toHaveLength(1);
    await b.services.keys.reload();
    expect(h.services.keys.signingKey().kid).toBe(b.services.keys.signingKey().kid);
  });
});

describe('one active key, enforced by the database', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(ENV);
  });
  afterAll(() => h?.close());

  it('refuses a second active key written directly, bypassing the key ring', async () => {
    const pending = (await h.admin.post('/admin/keys/rotate').expect(201)).body.kid as string;
    const write = h.database.db.prisma.signingKey.update({ where: { kid: pending }, data: { state: 'active' } });
    await expect(write).rejects.toSatisfy(
      (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002',
    );
    expect(await activeKeyCount(h)).toBe(1);
  });

  it('refuses it inside a transaction too, rolling the transaction back', async () => {
    const [first] = await keyRows(h);
    const pending = (await keyRows(h)).find((k) => k.state === 'pending')!;
    const tx = h.database.db.prisma.$transaction([
      h.database.db.prisma.signingKey.update({ where: { kid: pending.kid }, data: { state: 'active' } }),
    ]);
    await expect(tx).rejects.toThrow();
    expect((await keyRows(h)).find((k) => k.kid === pending.kid)!.state).toBe('pending');
    expect(first!.state).toBe('active');
  });
});
