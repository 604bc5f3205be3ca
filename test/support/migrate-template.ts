import { openDatabase, parseDatabaseUrl } from '../../src/store/database.js';
import { applyMigrations } from '../../src/store/migrate.js';

// `node --import tsx test/support/migrate-template.ts <DATABASE_URL>`: migrates the database
// the test run copies for each harness. A process of its own because the global setup runs in
// vitest's module runner, where src/store/pglite.ts cannot resolve its package.

const location = parseDatabaseUrl(process.argv[2] ?? '');
const db = await openDatabase(location);
try {
  await applyMigrations(db, location);
} finally {
  await db.close();
}
