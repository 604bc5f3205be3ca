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
 * of several instances migrate one at a time (the later ones find nothing to do). The engine
 * also takes Prisma's own migration lock; ours covers the whole check-then-apply.
 */
export async function applyMigrations(db: Database, location: DatabaseLocation): Promise<MigrationResult> {
  const migrations = await readMigrationList();
  // Fast path for every start but the first after an upgrade: nothing pending, so the
  // engine (5 MB of WebAssembly) is never loaded.
  if (
    !(await hasPending(
      db,
      migrations.migrationDirectories.map((d) => d.path),
    ))
  )
    return { applied: [] };

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

/** Whether any local migration is missing from Prisma's `_prisma_migrations` table. */
async function hasPending(db: Database, names: string[]): Promise<boolean> {
  const [table] = await db.prisma.$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`;
  if (!table?.exists) return true;
  const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const applied = new Set(rows.map((r) => r.migration_name));
  return names.some((name) => !applied.has(name));
}
