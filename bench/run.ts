// `npm run bench`: each Latchkey scenario next to its ceiling, measured in the same run on the
// same machine. Options (environment): BENCH_DURATION (s, default 10), BENCH_CONNECTIONS
// (default 64), DATABASE_URL (PostgreSQL; default: embedded PGlite in a temp dir),
// UV_THREADPOOL_SIZE (applied to the server and the raw ceilings alike), BENCH_LOG_LEVEL.
// The targets of issue 5 are judged in the printed verdicts only.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freshPostgresDatabase } from './database.js';
import { type LoadResult, load, refreshChains } from './load.js';
import { type Child, ROOT, runCeiling, startHelloWorld, startLatchkey, threadpoolSize } from './processes.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const databaseUrl = process.env.DATABASE_URL;
const COOKIE = '__Secure-lk_rt';
const EMAIL = 'bench@example.com';
const PASSWORD = 'a long bench passphrase';
const MB = 1024 * 1024;

interface Row {
  scenario: string;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  rssMb: number | null;
  non2xx: number;
  errors: number;
  ceiling: string;
  ceilingPerSec: number | null;
  ratio: number | null;
}

const rows: Row[] = [];
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function scenario(name: string, server: Child, run: () => Promise<LoadResult>, ceiling?: { name: string; perSec: number }) {
  log(`${name} (${duration} s, ${connections} connections)`);
  server.resetPeakRss();
  const result = await run();
  rows.push({
    scenario: name,
    reqPerSec: round(result.reqPerSec),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    rssMb: round(server.peakRss() / MB),
    non2xx: result.non2xx,
    errors: result.errors,
    ceiling: ceiling?.name ?? '',
    ceilingPerSec: ceiling ? round(ceiling.perSec) : null,
    ratio: ceiling ? round(result.reqPerSec / ceiling.perSec, 3) : null,
  });
  return result;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res;
}

/** A database for this run: a temp PGlite directory, or a fresh database on the PostgreSQL server. */
async function benchDatabase(): Promise<{ url: string; kind: string; drop(): Promise<void> }> {
  if (!databaseUrl?.startsWith('postgres')) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-bench-'));
    return { url: `pglite://${dir}/data`, kind: 'pglite', drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const database = await freshPostgresDatabase(databaseUrl, 'latchkey_bench');
  return { ...database, kind: 'postgresql' };
}

async function main() {
  const loadAtStart = os.loadavg();
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-bench-cwd-'));
  const database = await benchDatabase();
  // The restart must open the keys the first start sealed: one KEY_ENCRYPTION_KEY per run.
  const env = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

  // Startup: a first start (empty database: migrations, first key) and a restart.
  log(`starting Latchkey on ${database.kind} (first start, then restart)`);
  const first = await startLatchkey(env, cwd);
  await first.stop();
  const server = await startLatchkey(env, cwd);
  const startup = { first: first.startup, restart: server.startup };

  const hello = await startHelloWorld();
  const helloResult = await scenario('express hello-world (ceiling)', hello, () =>
    load({ url: hello.url, connections, duration }),
  );
  await hello.stop();

  await scenario(
    'GET /.well-known/jwks.json',
    server,
    () => load({ url: `${server.url}/.well-known/jwks.json`, connections, duration }),
    {
      name: 'express hello-world',
      perSec: helloResult.reqPerSec,
    },
  );

  await postJson(`${server.url}/auth/register`, { email: EMAIL, password: PASSWORD });
  log('argon2 verify ceiling');
  const argon2 = await runCeiling('argon2', { BENCH_DURATION: String(duration), BENCH_CONNECTIONS: String(connections) });
  const credentials = JSON.stringify({ email: EMAIL, password: PASSWORD });
  await scenario(
    'POST /auth/login',
    server,
    () =>
      load({
        url: `${server.url}/auth/login`,
        connections,
        duration,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: credentials,
      }),
    { name: `argon2id verify (${threadpoolSize()} threads)`, perSec: argon2.opsPerSec },
  );

  // One session per connection, each refreshed along its own rotation chain.
  log(`logging in ${connections} sessions for the refresh chains`);
  const tokens: string[] = [];
  let accessToken = '';
  for (let i = 0; i < connections; i++) {
    const res = await postJson(`${server.url}/auth/login`, { email: EMAIL, password: PASSWORD });
    accessToken = ((await res.json()) as { access_token: string }).access_token;
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    tokens.push(cookie.slice(COOKIE.length + 1, cookie.indexOf(';')));
  }
  log('ES256 sign ceiling');
  const es256 = await runCeiling('es256', { BENCH_DURATION: String(duration), BENCH_CONNECTIONS: String(connections) });
  const chains = refreshChains(COOKIE, tokens);
  await scenario('POST /auth/refresh (rotation)', server, () => load({ url: server.url, connections, duration, ...chains }), {
    name: 'jose ES256 sign',
    perSec: es256.opsPerSec,
  });

  await scenario('GET /auth/me', server, () =>
    load({ url: `${server.url}/auth/me`, connections, duration, headers: { authorization: `Bearer ${accessToken}` } }),
  );

  await server.stop();
  await database.drop();
  await rm(cwd, { recursive: true, force: true });
  await report({ startup, loadAtStart, database: database.kind, argon2, es256 });
}

async function report(input: {
  startup: { first: Child['startup']; restart: Child['startup'] };
  loadAtStart: number[];
  database: string;
  argon2: { opsPerSec: number };
  es256: { opsPerSec: number };
}) {
  printTable(
    rows.map((r) => ({
      scenario: r.scenario,
      'req/s': String(r.reqPerSec),
      'p50 ms': String(r.p50Ms ?? ''),
      'p99 ms': String(r.p99Ms ?? ''),
      'peak RSS MB': String(r.rssMb ?? ''),
      failed: String(r.non2xx + r.errors),
      ceiling: r.ceiling ? `${r.ceiling}: ${r.ceilingPerSec}/s` : '',
      ratio: r.ratio === null ? '' : `${Math.round(r.ratio * 100)} %`,
    })),
  );
  const find = (prefix: string) => rows.find((r) => r.scenario.startsWith(prefix));
  const refresh = find('POST /auth/refresh');
  const login = find('POST /auth/login');
  const jwks = find('GET /.well-known');
  const latchkeyRows = rows.filter((r) => !r.scenario.includes('ceiling'));
  const peakRss = Math.max(...latchkeyRows.map((r) => r.rssMb ?? 0));
  const verdicts = [
    verdict('refresh ≥ 1500 req/s at 64 connections', (refresh?.reqPerSec ?? 0) >= 1500, `${refresh?.reqPerSec} req/s`),
    verdict('refresh p99 ≤ 50 ms', (refresh?.p99Ms ?? Infinity) <= 50, `${refresh?.p99Ms} ms`),
    verdict('login ≥ 90 % of argon2 ceiling', (login?.ratio ?? 0) >= 0.9, pct(login?.ratio)),
    verdict('JWKS ≥ 90 % of hello-world', (jwks?.ratio ?? 0) >= 0.9, pct(jwks?.ratio)),
    verdict('RSS ≤ 150 MB under load', peakRss <= 150, `${peakRss} MB`),
    verdict(
      `ready ≤ 2 s (first start, ${input.database})`,
      input.startup.first.wallMs <= 2000,
      `${input.startup.first.wallMs} ms wall`,
    ),
    verdict(
      `ready ≤ 2 s (restart, ${input.database})`,
      input.startup.restart.wallMs <= 2000,
      `${input.startup.restart.wallMs} ms wall`,
    ),
  ];
  if (connections !== 64) verdicts.push('note: the refresh target is defined at 64 connections');
  if (input.database !== 'pglite') verdicts.push('note: the ready target is defined on PGlite');
  console.log(`\nstartup: first ${JSON.stringify(input.startup.first)}, restart ${JSON.stringify(input.startup.restart)}`);
  console.log(verdicts.join('\n'));

  const date = new Date().toISOString().slice(0, 10);
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / MB),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtStart: input.loadAtStart.map((l) => round(l, 2)),
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    },
    options: {
      duration,
      connections,
      database: input.database,
      threadpoolSize: threadpoolSize(),
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    startup: input.startup,
    ceilings: { argon2VerifyPerSec: round(input.argon2.opsPerSec), es256SignPerSec: round(input.es256.opsPerSec) },
    scenarios: rows,
    verdicts,
  };
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = path.join(ROOT, 'bench/results', `${date}${process.env.BENCH_RESULT_SUFFIX ?? ''}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

function printTable(table: Record<string, string>[]) {
  const columns = Object.keys(table[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...table.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of table) console.log(line(columns.map((c) => row[c]!)));
}

const verdict = (target: string, met: boolean, measured: string) => `${met ? 'PASS' : 'MISS'}  ${target}: ${measured}`;
const pct = (ratio: number | null | undefined) => (ratio == null ? 'n/a' : `${Math.round(ratio * 100)} %`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

await main();
