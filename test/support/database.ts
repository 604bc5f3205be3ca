import { randomBytes } from 'node:crypto';
import pg from 'pg';
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
 * A fresh, migrated database per call: an in-memory PGlite, or with DATABASE_URL=postgresql://…
 * a new database on that server (dropped afterwards).
 */
export async function freshDatabase(options: { timeoutMs?: number } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url || !usingPostgres()) {
    const location: DatabaseLocation = { kind: 'pglite', dataDir: undefined };
    const db = await openDatabase(location);
    await applyMigrations(db, location);
    return {
      db,
      location,
      openAnother: () => Promise.reject(new Error('an in-memory PGlite cannot be shared between instances')),
      drop: () => db.close(),
    };
  }
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  await admin(url, `CREATE DATABASE ${name}`);
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
      await admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
