// `npm run bench:ab`: two or more builds of Latchkey measured against each other in the same run,
// interleaved (each round runs every build once, the order rotated), on one scenario. For a change
// whose effect is smaller than the machine's noise: CPU time per request (server process and its
// PostgreSQL backends, bench/cpu.ts) is the figure to read on a shared machine.
//
// A build is a directory holding a compiled dist/ (`npm run build`, then copy dist/ there) beside
// the checkout's prisma/ and package.json; it must be inside the checkout (tmp/ is ignored by git)
// so that its imports resolve to the checkout's node_modules. Snapshot the current build with
//   npm run build && node --import tsx bench/ab.ts snapshot tmp/ab/<name>
// and compare with
//   BENCH_AB=base=tmp/ab/base,change=tmp/ab/change npm run bench:ab
//
// Options (environment): BENCH_AB (name=dir,… ; a bare dir is named after itself; `.` is this
// checkout), BENCH_SCENARIO (refresh | statuslist | jwks | me; refresh), BENCH_ROUNDS (4),
// BENCH_DURATION (s per run, 8), BENCH_CONNECTIONS (64), BENCH_RATE_LIMIT (true),
// BENCH_POSTGRES_URL or DATABASE_URL, BENCH_NODE_ARGS, UV_THREADPOOL_SIZE (as `npm run bench`).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBenchUser, latchkeySessions, COOKIE } from './clients.js';
import { cpuBetween, cpuSnapshot } from './cpu.js';
import { freshPostgresDatabase } from './database.js';
import { clientAddresses, cookieRefresh, load, refreshChains } from './load.js';
import { type LatchkeyProcess, ROOT, startLatchkey } from './processes.js';

const scenario = process.env.BENCH_SCENARIO ?? 'refresh';
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const duration = Number(process.env.BENCH_DURATION ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rateLimit = process.env.BENCH_RATE_LIMIT !== 'false';
const server = process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const address = clientAddresses();
const log = (message: string) => process.stderr.write(`bench:ab: ${message}\n`);

/** `snapshot <dir>`: this checkout's dist/ copied to <dir>, with prisma/ and package.json linked beside it. */
async function snapshot(dir: string): Promise<void> {
  const target = path.resolve(ROOT, dir);
  if (!target.startsWith(`${ROOT}${path.sep}`)) throw new Error('a build must be inside the checkout (its node_modules)');
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(path.join(ROOT, 'dist'), path.join(target, 'dist'), { recursive: true });
  for (const name of ['prisma', 'package.json']) await symlink(path.join(ROOT, name), path.join(target, name));
  log(`dist/ copied to ${path.relative(ROOT, target)}`);
}

interface Build {
  name: string;
  entry: string;
}

function builds(): Build[] {
  const spec = process.env.BENCH_AB;
  if (!spec) throw new Error('BENCH_AB: name=dir,name=dir (see bench/ab.ts)');
  return spec.split(',').map((item) => {
    const [name, dir] = item.includes('=') ? (item.split('=', 2) as [string, string]) : [item, item];
    // dist/start.cjs sizes the thread pool before loading dist/main.js; builds from before it
    // existed run main.js directly (the bench sets UV_THREADPOOL_SIZE for both alike).
    const start = path.resolve(ROOT, dir, 'dist/start.cjs');
    return { name, entry: existsSync(start) ? start : path.resolve(ROOT, dir, 'dist/main.js') };
  });
}

interface Run {
  reqPerSec: number;
  p99Ms: number;
  serverMs: number;
  databaseMs: number;
  failed: number;
}

async function measure(latchkey: LatchkeyProcess, database: string): Promise<Run> {
  let options: Parameters<typeof load>[0];
  if (scenario === 'refresh') {
    const { tokens } = await latchkeySessions(latchkey, connections, address);
    options = { url: latchkey.url, connections, duration, ...refreshChains(cookieRefresh(COOKIE, address), tokens) };
  } else if (scenario === 'me') {
    const { accessToken } = await latchkeySessions(latchkey, 1, address);
    options = { url: `${latchkey.url}/auth/me`, connections, duration, headers: { authorization: `Bearer ${accessToken}` } };
  } else {
    const paths: Record<string, string> = { statuslist: '/statuslists/1', jwks: '/.well-known/jwks.json' };
    if (!paths[scenario]) throw new Error(`BENCH_SCENARIO: unknown scenario ${scenario}`);
    options = { url: `${latchkey.url}${paths[scenario]}`, connections, duration };
  }
  const db = { serverUrl: server, database };
  const before = await cpuSnapshot(latchkey.child.pid!, db);
  const result = await load(options);
  const cpu = cpuBetween(before, await cpuSnapshot(latchkey.child.pid!, db));
  const answered = result.reqPerSec * duration;
  return {
    reqPerSec: result.reqPerSec,
    p99Ms: result.p99Ms,
    serverMs: cpu.serverMs / answered,
    databaseMs: (cpu.databaseMs ?? 0) / answered,
    failed: result.non2xx + result.errors,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function compare(): Promise<void> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const list = builds();
  try {
    const started: { build: Build; latchkey: LatchkeyProcess; database: string; runs: Run[] }[] = [];
    for (const build of list) {
      const database = await freshPostgresDatabase(server, `latchkey_ab_${build.name.replace(/\W/g, '_')}`);
      cleanup.push(() => database.drop());
      const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-ab-'));
      cleanup.push(() => rm(cwd, { recursive: true, force: true }));
      const env = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      const latchkey = await startLatchkey(env, cwd, { rateLimit, entry: build.entry });
      cleanup.push(() => latchkey.stop());
      await createBenchUser(latchkey);
      started.push({ build, latchkey, database: new URL(database.url).pathname.slice(1), runs: [] });
    }
    if (scenario === 'statuslist') {
      // Sessions in list 1, as `npm run bench` has by then.
      for (const s of started) await latchkeySessions(s.latchkey, 64, address);
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < started.length; i++) {
        const s = started[(i + round) % started.length]!;
        const run = await measure(s.latchkey, s.database);
        s.runs.push(run);
        log(
          `round ${round + 1}/${rounds} ${s.build.name}: ${Math.round(run.reqPerSec)} req/s, p99 ${run.p99Ms} ms, ` +
            `CPU ${run.serverMs.toFixed(3)} + ${run.databaseMs.toFixed(3)} ms/req, failed ${run.failed}, load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
    console.log(
      `\n${scenario}, ${rounds} rounds of ${duration} s, ${connections} connections, RATE_LIMIT=${rateLimit}: medians [range]`,
    );
    console.log('build | req/s | p99 ms | server CPU ms/req | database CPU ms/req | failed');
    for (const { build, runs } of started) {
      const col = (f: (r: Run) => number, digits: number) =>
        `${median(runs.map(f)).toFixed(digits)} [${Math.min(...runs.map(f)).toFixed(digits)}–${Math.max(...runs.map(f)).toFixed(digits)}]`;
      console.log(
        `${build.name} | ${col((r) => r.reqPerSec, 0)} | ${col((r) => r.p99Ms, 0)} | ${col((r) => r.serverMs, 3)} | ` +
          `${col((r) => r.databaseMs, 3)} | ${runs.reduce((a, r) => a + r.failed, 0)}`,
      );
    }
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
}

if (process.argv[2] === 'snapshot') await snapshot(process.argv[3] ?? 'tmp/ab/current');
else await compare();
