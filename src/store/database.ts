import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';
import { isNewDirectory } from './data-directory.js';
import { queryCompilerOptions } from './query-compiler.js';
import { preloadSchemaEngine } from './schema-engine.js';
import { type SqlRunner, pgliteRunner, postgresRunner } from './sql.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Prepared statements for the hot path, on the same connections (src/store/sql.ts). */
  readonly sql: SqlRunner;
  /** The driver adapter factory, also used by the schema engine for migrations. */
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** PostgreSQL: the client's connection pool counters (for metrics); PGlite has no pool. */
  readonly poolStats?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export type DatabaseLocation =
  { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | undefined /* undefined = in memory */ };

/** `pglite://memory`, `pglite://./rel/dir`, `pglite:///abs/dir`, `postgres(ql)://…` */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  const match = /^pglite:\/\/(.+)$/.exec(url);
  if (!match?.[1]) throw new Error('must start with postgres://, postgresql:// or pglite://');
  const rest = match[1];
  if (rest === 'memory') return { kind: 'pglite', dataDir: undefined };
  return { kind: 'pglite', dataDir: path.resolve(cwd, rest) };
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size per instance. */
  poolSize?: number;
  /** PostgreSQL: the longest wait for a pool connection, a lock or one statement (DATABASE_TIMEOUT). */
  timeoutMs?: number;
}

/** DATABASE_TIMEOUT's default: a request never waits on the database longer than this per step. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 3000;

/**
 * Bounded waits on every request path (a stall answers 503 instead of holding the request):
 * - connectionTimeoutMillis: getting a connection, new or from the pool's queue;
 * - statement_timeout / lock_timeout: enforced by PostgreSQL itself, which cancels the
 *   statement and rolls back its transaction, so nothing is half-written (57014, 55P03);
 * - query_timeout: a backstop for a network that went silent (the server cannot cancel what it
 *   never hears about), a second later so the server's own cancel normally comes first.
 */
export function boundedWaits(timeoutMs: number) {
  return {
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
  };
}

export async function openDatabase(location: DatabaseLocation, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (location.kind === 'postgres') {
    const poolConfig = { connectionString: location.url, max: options.poolSize ?? 20 };
    // The client's pool is ours so its counters can be read. The schema engine keeps its own
    // factory, without the bounds: its connections (and the migration lock it holds on one) end
    // with the migration, and a migration may rightly take longer than any request.
    const pool = new pg.Pool({ ...poolConfig, ...boundedWaits(options.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS) });
    // An idle connection the server ended (restart, failover, terminated backend) leaves the
    // pool by itself and the next query opens another; unheard, the event would end the process.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool), ...queryCompilerOptions() });
    return {
      kind: 'postgres',
      prisma,
      sql: postgresRunner(pool),
      adapterFactory: new PrismaPg(poolConfig),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      async close() {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  // A new data directory will migrate: the migration engine loads beside PGlite's own start.
  if (await isNewDirectory(location.dataDir)) preloadSchemaEngine();
  // Loaded only when used: importing PGlite alone costs ~40 MB of memory a PostgreSQL deployment never needs.
  const [{ openPGlite }, { PrismaPGlite }] = await Promise.all([import('./pglite.js'), import('pglite-prisma-adapter')]);
  const pglite = await openPGlite(location.dataDir);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory, ...queryCompilerOptions() });
  return {
    kind: 'pglite',
    prisma,
    sql: pgliteRunner(pglite),
    adapterFactory,
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}
