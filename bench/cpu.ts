import { readFile, readdir } from 'node:fs/promises';
import pg from 'pg';

// CPU time per request, which a busy shared machine disturbs far less than requests per second:
// the server process (all its threads) from /proc/<pid>/stat, and the PostgreSQL backends
// serving its database (pg_stat_activity), both in clock ticks of 10 ms (USER_HZ = 100).

const TICK_MS = 10;

async function ticks(pid: number, thread = ''): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of proc(5))
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  server: number;
  /** The server's main thread alone (its event loop); the rest is libuv's pool (argon2, signing) and V8's helpers. */
  mainThread: number;
  /** Every thread of the server by thread id (the main thread's id is the pid). */
  threads: Map<number, number>;
  backends: Map<number, number>;
}

async function backendPids(serverUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** CPU ticks of the server process and of the backends of `database` (on `serverUrl`) now. */
export async function cpuSnapshot(pid: number, db?: { serverUrl: string; database: string }): Promise<CpuSnapshot> {
  const backends = new Map<number, number>();
  if (db) {
    for (const backend of await backendPids(db.serverUrl, db.database)) {
      const t = await ticks(backend);
      if (t !== undefined) backends.set(backend, t);
    }
  }
  const threads = new Map<number, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const t = await ticks(pid, `/task/${tid}`);
    if (t !== undefined) threads.set(Number(tid), t);
  }
  return { server: (await ticks(pid)) ?? 0, mainThread: threads.get(pid) ?? 0, threads, backends };
}

/**
 * Milliseconds of CPU of each of the server's other threads between two snapshots, busiest first:
 * libuv's pool (argon2, WebCrypto's signing jobs) and V8's helpers (GC, compilation). Node names
 * them all `node`, so they are told apart by what they use.
 */
export function otherThreadsBetween(before: CpuSnapshot, after: CpuSnapshot, pid: number): number[] {
  const used: number[] = [];
  for (const [tid, t] of after.threads) if (tid !== pid) used.push((t - (before.threads.get(tid) ?? 0)) * TICK_MS);
  return used.filter((ms) => ms > 0).sort((a, b) => b - a);
}

/** Milliseconds of CPU between two snapshots; a backend that appeared in between counts whole. */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
): { serverMs: number; mainThreadMs: number; databaseMs: number | null } {
  let database = 0;
  for (const [pid, t] of after.backends) database += t - (before.backends.get(pid) ?? 0);
  return {
    serverMs: (after.server - before.server) * TICK_MS,
    mainThreadMs: (after.mainThread - before.mainThread) * TICK_MS,
    databaseMs: after.backends.size ? database * TICK_MS : null,
  };
}
