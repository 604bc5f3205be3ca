import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { adminQuery, usingPostgres } from './database.js';
import { TSX_LOADER } from './server-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database every test database is copied from (see test/support/database.ts). */
    databaseTemplate: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; name: string };
  }
}

/**
 * Once per run: migrates one template database, which freshDatabase() then copies for every
 * harness (a copy costs a fraction of initdb plus the migrations). On PostgreSQL it fails fast
 * with a clear message when DATABASE_URL is not there.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url && usingPostgres()) {
    await reachable(url);
    const name = `latchkey_test_template_${randomBytes(6).toString('hex')}`;
    await adminQuery(url, `CREATE DATABASE ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    await migrate(target.toString());
    project.provide('databaseTemplate', { kind: 'postgres', name });
    return () => adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  // PGlite: a data directory on tmpfs where there is one (copies are memory-speed).
  const base = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'latchkey-test-'));
  const dataDir = path.join(base, 'template');
  await migrate(`pglite://${dataDir}`);
  project.provide('databaseTemplate', { kind: 'pglite', dataDir });
  return () => rm(base, { recursive: true, force: true });
}

/** Migrates the template in a process of its own (vitest's module runner cannot load src/store/pglite.ts). */
async function migrate(databaseUrl: string): Promise<void> {
  const script = path.join(import.meta.dirname, 'migrate-template.ts');
  await promisify(execFile)(process.execPath, ['--import', TSX_LOADER, script, databaseUrl], { timeout: 120_000 });
}

async function reachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`DATABASE_URL=${url} is not reachable: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}
