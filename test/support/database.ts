import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, type DatabaseLocation, openDatabase } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';

export const usingPostgres = () => /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');

export interface TestDatabase {
  db: Database;
  location: DatabaseLocation;
  /** Opens another connection pool to the same database (a second "instance"). */
  openAnother(): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database per call, copied from the template the global setup migrated once
 * (test/support/global-setup.ts): a PGlite data directory of its own, or with
 * DATABASE_URL=postgresql://… a new database on that server (CREATE DATABASE … TEMPLATE).
 * Dropped afterwards. applyMigrations still runs on the copy: it finds nothing to do, and
 * would catch a template older than the migrations.
 */
export async function freshDatabase(options: { timeoutMs?: number } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  const template = inject('databaseTemplate');
  if (!url || !usingPostgres() || template.kind !== 'postgres') {
    if (template.kind !== 'pglite') throw new Error('the global setup made no PGlite template');
    const dataDir = await mkdtemp(path.join(path.dirname(template.dataDir), 'db-'));
    await cp(template.dataDir, dataDir, { recursive: true });
    const location: DatabaseLocation = { kind: 'pglite', dataDir };
    const db = await openDatabase(location);
    await applyMigrations(db, location);
    return {
      db,
      location,
      openAnother: () => Promise.reject(new Error('a PGlite database cannot be shared between instances')),
      async drop() {
        await db.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE ${name} TEMPLATE ${template.name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const location: DatabaseLocation = { kind: 'postgres', url: target.toString() };
  const db = await openDatabase(location, { poolSize: 30, ...options });
  await applyMigrations(db, location);
  const others: Database[] = [];
  return {
    db,
    location,
    async openAnother() {
      const other = await openDatabase(location, { poolSize: 30, ...options });
      others.push(other);
      return other;
    },
    async drop() {
      await Promise.all([db, ...others].map((d) => d.close()));
      await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** One statement on the server's maintenance connection (CREATE/DROP DATABASE). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
