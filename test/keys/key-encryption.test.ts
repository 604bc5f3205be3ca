import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

// Private signing keys are stored sealed under KEY_ENCRYPTION_KEY; an instance started with
// another key must refuse to start, saying which variable is wrong (not a bare crypto error).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

it('stores no private key material in the clear', async () => {
  const rows = await h.database.db.prisma.signingKey.findMany();
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.privateJwk).toMatch(/^v1\./);
    expect(row.privateJwk).not.toContain('"d"');
  }
});

it('refuses to load the signing key under another KEY_ENCRYPTION_KEY, naming the variable', async () => {
  const other = await h.buildInstance({}, { keyEncryptionKey: randomBytes(32), startKeys: false });
  await expect(other.services.keyAdmin.start()).rejects.toThrow(/^KEY_ENCRYPTION_KEY: cannot decrypt signing key /);
});
