import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { readMigrationList } from '../../src/store/schema-engine.js';

// A new embedded data directory starts from the initdb template (saved by the first one ever
// created), with a smaller buffer pool; either way it must end up a complete, migrated database.
describe('embedded PGlite data directories', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('creates two fresh directories that both migrate fully and serve queries, then reopens one', async () => {
    const names = (await readMigrationList()).migrationDirectories.map((d) => d.path);
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-pglite-'));
      dirs.push(dir);
      const location = { kind: 'pglite' as const, dataDir: path.join(dir, 'data') };
      const db = await openDatabase(location);
      expect((await applyMigrations(db, location)).applied).toEqual(names);
      const [buffers] = await db.prisma.$queryRaw<{ shared_buffers: string }[]>`SHOW shared_buffers`;
      expect(buffers?.shared_buffers).toBe('32MB');
      expect(await db.prisma.user.count()).toBe(0);
      await db.close();
    }
    const location = { kind: 'pglite' as const, dataDir: path.join(dirs[0]!, 'data') };
    const reopened = await openDatabase(location);
    expect((await applyMigrations(reopened, location)).applied).toEqual([]);
    await reopened.close();
  });
});
