import pg from 'pg';
import type { Database, DatabaseLocation } from './database.js';
import { openSchemaEngine, readMigrationList } from './schema-engine.js';

// Any fixed 64-bit number: every Latchkey instance on one PostgreSQL agrees on it.
const MIGRATION_LOCK_ID = 7_253_911_040_221n;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending prisma/migrations/* with the WASM schema engine. On PostgreSQL a
 * session-level advisory lock, held on a dedicated connection, makes concurrent starts
 * of several instances migrate one at a time (the later ones find nothing to do).
 */
export async function applyMigrations(db: Database, location: DatabaseLocation): Promise<MigrationResult> {
  const lock = location.kind === 'postgres' ? new pg.Client({ connectionString: location.url }) : undefined;
  if (lock) {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID.toString()]);
  }
  try {
    const { engine, close } = await openSchemaEngine(db.adapterFactory);
    try {
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: await readMigrationList(),
        filters: { externalTables: [], externalEnums: [] },
      });
      return { applied: appliedMigrationNames };
    } finally {
      await close();
    }
  } finally {
    if (lock) {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID.toString()]).catch(() => {});
      await lock.end();
    }
  }
}
