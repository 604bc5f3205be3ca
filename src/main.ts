import type { Server } from 'node:http';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import type { Lifecycle } from './http/health-routes.js';
import { resolveKeyEncryptionKey } from './keys/kek.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';
import { createHttpServer } from './http/client-error.js';
import { startSessionHousekeeping } from './sessions/housekeeping.js';
import { openDatabase, parseDatabaseUrl } from './store/database.js';
import { applyMigrations } from './store/migrate.js';

// Process entry: config → database → migrations → keys → listeners → graceful shutdown.

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`latchkey: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const started = performance.now();
  const location = parseDatabaseUrl(config.databaseUrl);
  // On PostgreSQL the only WebAssembly is Prisma's query compiler, off the hot path (its statements
  // are prepared SQL, src/store/sql.ts): V8's baseline compiler runs it at the same throughput, and
  // skipping the optimising tier keeps ~50 MB of compiler memory out of the process (measured with
  // `npm run bench:memory`, docs/performance.md). PGlite is PostgreSQL itself in WebAssembly and
  // keeps the optimising tier. Set before any module is compiled.
  if (location.kind === 'postgres') setFlagsFromString('--liftoff-only');
  // Where a start spends its time, in the "latchkey listening" line (ms since the first line of main).
  const phases: Record<string, number> = {};
  const phase = (name: string) => (phases[name] = Math.round(performance.now() - started));
  const db = await openDatabase(location, { poolSize: config.databasePoolSize, timeoutMs: config.databaseTimeout * 1000 });
  phase('databaseOpenMs');
  const { applied } = await applyMigrations(db, location);
  phase('migratedMs');
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const kek = await resolveKeyEncryptionKey(config);
  if (kek.source === 'generated') logger.warn({ dir: config.keysDir }, 'generated a development KEY_ENCRYPTION_KEY');
  const services = createServices({ config, db, keyEncryptionKey: kek.key, clock: systemClock, logger });
  await services.keyAdmin.start();
  phase('keysReadyMs');
  services.keyAdmin.startTimer((error) => logger.error({ err: error }, 'key schedule failed'));
  const stopHousekeeping = startSessionHousekeeping(services, (error) =>
    logger.error({ err: error }, 'session housekeeping failed'),
  );

  const lifecycle: Lifecycle = { draining: false };
  const apps = createApp({ ...services, lifecycle });
  const publicServer = createHttpServer(apps.publicListener).listen(config.port, config.host);
  const adminServer = createHttpServer(apps.admin).listen(config.adminPort, config.adminHost);
  await Promise.all([once(publicServer, 'listening'), once(adminServer, 'listening')]);
  // The bound ports (PORT=0 picks a free one): tools and tests read them from this line.
  logger.info(
    {
      port: boundPort(publicServer),
      adminPort: boundPort(adminServer),
      database: db.kind,
      readyMs: Math.round(performance.now() - started),
      ...phases,
    },
    'latchkey listening',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.draining = true;
    logger.info({ signal }, 'draining');
    services.keyAdmin.stop();
    stopHousekeeping();
    const deadline = setTimeout(() => {
      logger.warn('drain timeout: closing remaining connections');
      publicServer.closeAllConnections();
      adminServer.closeAllConnections();
    }, config.shutdownTimeout * 1000);
    deadline.unref();
    await Promise.all([closeServer(publicServer), closeServer(adminServer)]);
    clearTimeout(deadline);
    await db.close();
    logger.info('stopped');
    process.exit(0); // stdout's buffered lines are written on exit (src/logger.ts)
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function boundPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`latchkey: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
