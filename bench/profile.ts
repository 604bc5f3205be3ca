// `npm run bench:profile`: where one scenario's time goes, on PostgreSQL, production configuration.
// Latchkey runs as `npm start` runs it plus `--cpu-prof` and a probe (bench/probes/probe.mjs) that
// counts the SQL statements it sends; the database's own counters (pg_stat_database) give the
// commits. Prints, per request of the measured window: statements by kind, commits, rows written;
// then the CPU profile of the window by package and the top functions by self time.
//
// Options (environment): BENCH_SCENARIO (refresh | login | jwks | me; refresh), BENCH_DURATION
// (15), BENCH_CONNECTIONS (64), BENCH_RATE_LIMIT (true), BENCH_POSTGRES_URL or DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres), BENCH_NODE_ARGS (extra node flags),
// BENCH_ENV (extra environment for Latchkey, `NAME=value NAME=value`), BENCH_SQL_AFTER_START (SQL
// run on the fresh database once Latchkey has migrated it: to try a schema change's effect),
// BENCH_PROFILE_OUT (a file to keep the window's .cpuprofile in, for Chrome DevTools or a closer look).
//
// A login without its hash, to see what the rest of a login costs when argon2 does not share the
// cores: BENCH_SCENARIO=login BENCH_NODE_ARGS="--import $PWD/bench/probes/no-argon2.mjs".
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { COOKIE, PASSWORD, createBenchUser, createLoginAccounts, latchkeySessions } from './clients.js';
import { cpuBetween, cpuSnapshot, otherThreadsBetween } from './cpu.js';
import { freshPostgresDatabase } from './database.js';
import { clientAddresses, cookieRefresh, load, manyUsersLogin, refreshChains } from './load.js';
import { ROOT, startLatchkey } from './processes.js';

const scenario = process.env.BENCH_SCENARIO ?? 'refresh';
const duration = Number(process.env.BENCH_DURATION ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rateLimit = process.env.BENCH_RATE_LIMIT !== 'false';
const server = process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const address = clientAddresses();

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Mark {
  atMicros: number;
  statements: Record<string, number>;
  memory: NodeJS.MemoryUsage;
  /** [space, committed bytes, used bytes] */
  heapSpaces: [string, number, number][];
  /** Resident MB by mapping. */
  resident: Record<string, number>;
}

const STATS = 'xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted';
async function databaseCounters(url: string, name: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT ${STATS} FROM pg_stat_database WHERE datname = $1`, [name]);
    return Object.fromEntries(Object.entries(rows[0] as Record<string, string>).map(([k, v]) => [k, Number(v)]));
  } finally {
    await client.end();
  }
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

/** A package or area a profile frame belongs to. */
function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  if (url.includes('/dist/')) return `latchkey ${url.slice(url.indexOf('/dist/') + 6)}`;
  return url;
}

function analyse(profile: CpuProfile, from: number, to: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) return;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  });
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${area}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, areas: sorted(areas), functions: sorted(functions) };
}

/** The samples between two instants only, as a profile of its own (start-up and set-up left out). */
function windowOf(profile: CpuProfile, from: number, to: number): CpuProfile & { endTime: number } {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = from;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) return;
    samples.push(id);
    timeDeltas.push(t - last);
    last = t;
  });
  return { ...profile, startTime: from, endTime: to, samples, timeDeltas };
}

async function main() {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-profile-'));
  const database = await freshPostgresDatabase(server, 'latchkey_profile');
  const name = new URL(database.url).pathname.slice(1);
  const probeOut = path.join(cwd, 'probe.json');
  try {
    const latchkey = await startLatchkey(
      {
        DATABASE_URL: database.url,
        KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        BENCH_PROBE_OUT: probeOut,
        BENCH_PROBE_ROOT: ROOT,
        ...Object.fromEntries(
          (process.env.BENCH_ENV ?? '')
            .split(' ')
            .filter(Boolean)
            .map((kv) => kv.split(/=(.*)/s, 2) as [string, string]),
        ),
      },
      cwd,
      { rateLimit, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cwd}`, '--import', path.join(ROOT, 'bench/probes/probe.mjs')] },
    );
    if (process.env.BENCH_SQL_AFTER_START) await sql(database.url, process.env.BENCH_SQL_AFTER_START);
    await createBenchUser(latchkey);
    const loginEmails = scenario === 'login' ? await createLoginAccounts(latchkey, connections) : [];
    const sessions = await latchkeySessions(latchkey, connections, address);
    const options = {
      refresh: () => refreshChains(cookieRefresh(COOKIE, address), sessions.tokens),
      login: () => manyUsersLogin(loginEmails, PASSWORD, address),
      jwks: () => ({ url: `${latchkey.url}/.well-known/jwks.json` }),
      me: () => ({ url: `${latchkey.url}/auth/me`, headers: { authorization: `Bearer ${sessions.accessToken}` } }),
    }[scenario];
    if (!options) throw new Error(`BENCH_SCENARIO: unknown scenario ${scenario}`);
    await sleep(1500); // let the statistics of the set-up reach pg_stat_database
    const before = await databaseCounters(server, name);
    latchkey.child.kill('SIGUSR2');
    latchkey.resetPeakRss();
    const db = { serverUrl: server, database: name };
    const cpuBefore = await cpuSnapshot(latchkey.child.pid!, db);
    const result = await load({ url: latchkey.url, connections, duration, ...options() });
    const cpuAfter = await cpuSnapshot(latchkey.child.pid!, db);
    const cpu = cpuBetween(cpuBefore, cpuAfter);
    const others = otherThreadsBetween(cpuBefore, cpuAfter, latchkey.child.pid!);
    latchkey.child.kill('SIGUSR2');
    const peakRssMb = latchkey.peakRssMb();
    await sleep(11_000); // an idle backend reports its last statistics after 10 s (PGSTAT_IDLE_INTERVAL)
    const after = await databaseCounters(server, name);
    await latchkey.stop();

    const requests = Math.round(result.reqPerSec * duration) + result.non2xx;
    console.log(
      `${scenario}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
        `${requests} requests, non-2xx ${JSON.stringify(result.statuses)}, peak RSS ${peakRssMb} MB, load ${result.loadavg.join(' ')}`,
    );
    const perRequest = (n: number) => (n / requests).toFixed(2);
    console.log(
      `CPU per request: server ${perRequest(cpu.serverMs)} ms (main thread ${perRequest(cpu.mainThreadMs)} ms), ` +
        `its PostgreSQL backends ${perRequest(cpu.databaseMs ?? 0)} ms`,
    );
    console.log(`  the server's other threads, busiest first (ms per request): ${others.map(perRequest).join(', ')}`);
    console.log('\npg_stat_database, per request (includes the two reads of this script):');
    for (const key of Object.keys(after)) console.log(`  ${key.padEnd(14)} ${perRequest(after[key]! - before[key]!)}`);

    const probe = JSON.parse(await readFile(probeOut, 'utf8')) as { marks: Mark[]; peak: Record<string, number> };
    const [start, end] = probe.marks;
    if (start && end) {
      console.log('\nSQL statements sent per request (node-postgres Client#query), by statement:');
      const counts = Object.entries(end.statements)
        .map(([text, n]) => [text, n - (start.statements[text] ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]);
      const sent = counts.reduce((a, [, n]) => a + n, 0);
      for (const [text, n] of counts) console.log(`  ${perRequest(n).padStart(6)}  ${text}`);
      console.log(`  ${perRequest(sent).padStart(6)}  total`);
      const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
      console.log(
        `\nmemory (window peaks): rss ${mb(probe.peak.rss!)}, heapTotal ${mb(probe.peak.heapTotal!)}, heapUsed ${mb(probe.peak.heapUsed!)}, ` +
          `external ${mb(probe.peak.external!)}, arrayBuffers ${mb(probe.peak.arrayBuffers!)}`,
      );
      const spaces = end.heapSpaces.filter(([, committed]) => committed >= 2 ** 19);
      console.log(
        `at the end of the window: V8 heap spaces, committed/used: ${spaces.map(([n, c, u]) => `${n} ${mb(c)}/${mb(u)}`).join(', ')}`,
      );
      const resident = Object.entries(end.resident)
        .filter(([, m]) => m >= 0.5)
        .sort((a, b) => b[1] - a[1]);
      console.log(`  resident by mapping: ${resident.map(([n, m]) => `${n} ${Math.round(m)} MB`).join(', ')}`);
      const profileFile = (await readdir(cwd)).find((f) => f.endsWith('.cpuprofile'));
      if (profileFile) {
        const profile = JSON.parse(await readFile(path.join(cwd, profileFile), 'utf8')) as CpuProfile;
        if (process.env.BENCH_PROFILE_OUT) {
          await writeFile(process.env.BENCH_PROFILE_OUT, JSON.stringify(windowOf(profile, start.atMicros, end.atMicros)));
        }
        const { total, areas, functions } = analyse(profile, start.atMicros, end.atMicros);
        const share = (micros: number) =>
          `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / requests).toFixed(0).padStart(4)} µs/req`;
        console.log(`\nmain thread, ${(total / 1e6).toFixed(1)} s sampled in the window; self time by area:`);
        for (const [area, micros] of areas.slice(0, 25)) console.log(`  ${share(micros)}  ${area}`);
        console.log('\ntop functions by self time:');
        for (const [fn, micros] of functions.slice(0, 40)) console.log(`  ${share(micros)}  ${fn}`);
      }
    }
  } finally {
    await database.drop();
    await rm(cwd, { recursive: true, force: true });
  }
}

await main();
