import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { CliError, type Io, emit } from './output.js';

export function registerMigrateCommand(program: Command, io: Io): void {
  program
    .command('migrate')
    .description('apply pending database migrations to DATABASE_URL (no server needed; stop an embedded-database server first)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { json?: boolean }) => {
      let databaseUrl: string;
      try {
        databaseUrl = loadConfig(io.env).databaseUrl;
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(`invalid configuration: ${error.problems.join('; ')}`);
        throw error;
      }
      // Loaded here, not at start: every other command stays fast without Prisma and PGlite.
      const { openDatabase, parseDatabaseUrl } = await import('../store/database.js');
      const { applyMigrations } = await import('../store/migrate.js');
      const location = parseDatabaseUrl(databaseUrl);
      const db = await openDatabase(location, { poolSize: 2 }).catch((error: unknown) => {
        throw new CliError(`cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
      });
      try {
        const { applied } = await applyMigrations(db, location);
        emit(io, options, { applied }, () =>
          applied.length === 0
            ? ['no pending migrations']
            : [`applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:`, ...applied.map((name) => `  ${name}`)],
        );
      } finally {
        await db.close();
      }
    });
}
