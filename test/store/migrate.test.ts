import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { readMigrationList } from '../../src/store/schema-engine.js';
import { usingPostgres } from '../support/database.js';

const migrationNames = async () => (await readMigrationList()).migrationDirectories.map((d) => d.path);

describe('migrations', () => {
  const opened: Database[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await dropDatabase?.();
  });

  it('applies every committed migration to an empty embedded database, then finds nothing to do', async () => {
    const location = { kind: 'pglite' as const, dataDir: undefined };
    const db = await openDatabase(location);
    opened.push(db);
    expect((await applyMigrations(db, location)).applied).toEqual(await migrationNames());
    expect((await applyMigrations(db, location)).applied).toEqual([]);
    const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM _prisma_migrations`;
    expect(rows.map((r) => r.migration_name)).toEqual(await migrationNames());
    expect(await db.prisma.user.count()).toBe(0);
  });

  it.runIf(usingPostgres())('migrates exactly once when two instances start at once on one PostgreSQL', async () => {
    const server = process.env.DATABASE_URL!;
    const name = `latchkey_migrate_${randomBytes(5).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(sql).finally(() => client.end());
    };
    await admin(`CREATE DATABASE ${name}`);
    dropDatabase = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const location = { kind: 'postgres' as const, url: url.toString() };
    const [a, b] = await Promise.all([openDatabase(location), openDatabase(location)]);
    opened.push(a, b);

    const results = await Promise.all([applyMigrations(a, location), applyMigrations(b, location)]);

    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual(await migrationNames()); // each migration applied by exactly one of them
    const rows = await a.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM _prisma_migrations`;
    expect(rows[0]!.n).toBe((await migrationNames()).length);
  });
});
