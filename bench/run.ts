// `npm run bench`: Latchkey in its production configuration beside the peers and references a
// reader would compare it with, all in the same run on the same machine, interleaved (each round
// runs every contender once, in a rotated order) so that a load spike from elsewhere hits every
// side alike. Writes bench/results/<date><BENCH_RESULT_SUFFIX>.json; `npm run bench:docs` turns a
// results file into the tables of docs/performance.md.
//
// Options (environment): BENCH_DURATION (s per run, 10), BENCH_CONNECTIONS (64), BENCH_ROUNDS
// (PostgreSQL rounds, 3), BENCH_PGLITE_ROUNDS (1), BENCH_DATABASES (postgresql,pglite),
// BENCH_SCENARIOS (jwks,login,refresh,me,statuslist),
// BENCH_POSTGRES_URL (a server to create fresh databases on; default DATABASE_URL, else
// postgresql://postgres@127.0.0.1:5432/postgres), UV_THREADPOOL_SIZE (given to Latchkey and the
// argon2 ceiling alike), BENCH_NODE_ARGS (extra node flags for Latchkey, for experiments).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { COOKIE, PASSWORD, createBenchUser, createLoginAccounts, json, latchkeySessions } from './clients.js';
import { cpuBetween, cpuSnapshot } from './cpu.js';
import { freshPostgresDatabase } from './database.js';
import { type LoadResult, clientAddresses, cookieRefresh, load, manyUsersLogin, oauthRefresh, refreshChains } from './load.js';
import {
  type Child,
  type LatchkeyProcess,
  ROOT,
  npmStartArgs,
  runCeiling,
  startHelloWorld,
  startLatchkey,
  startPeer,
  threadpoolSize,
} from './processes.js';
import {
  type Entry,
  type ProcessMemory,
  type Results,
  type Role,
  type Scenario,
  type Suite,
  judge,
  textReport,
} from './report.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rounds = { postgresql: Number(process.env.BENCH_ROUNDS ?? 3), pglite: Number(process.env.BENCH_PGLITE_ROUNDS ?? 1) };
const databases = (process.env.BENCH_DATABASES ?? 'postgresql,pglite').split(',').map((d) => d.trim());
const scenarios = new Set((process.env.BENCH_SCENARIOS ?? 'jwks,login,refresh,me,statuslist').split(',').map((s) => s.trim()));
const postgresServer =
  process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// Peers' bench client (bench/peers/*.mjs).
const PEER_CLIENTS = {
  oauth2: { id: 'bench', secret: 'bench-client-secret' },
  oidc: { id: 'bench', secret: 'bench-client-secret-that-is-long-enough' },
};

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const address = clientAddresses();
/** Each server's PostgreSQL database: its backends' CPU is the server's too. */
const databaseOf = new Map<Child, string>();

interface Contender {
  name: string;
  role: Role;
  note?: string;
  /** The server measured (its RSS and CPU); none for a ceiling that runs in its own process. */
  server?: Child;
  /** Runs once before each measured run (fresh refresh chains). */
  prepare?: () => Promise<void>;
  run(): Promise<LoadResult & { peakRssMb?: number }>;
}

/** Every contender once per round, the order rotated each round. */
async function interleave(entries: Entry[], scenario: Scenario, contenders: Contender[], roundCount: number) {
  if (!scenarios.has(scenario)) return;
  const byName = new Map<string, Entry>();
  for (const c of contenders) {
    const entry: Entry = { scenario, contender: c.name, role: c.role, ...(c.note ? { note: c.note } : {}), runs: [] };
    entries.push(entry);
    byName.set(c.name, entry);
  }
  for (let round = 0; round < roundCount; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
    for (const c of order) {
      await c.prepare?.();
      log(`${scenario}: ${c.name} (round ${round + 1}/${roundCount}, ${duration} s, ${connections} connections)`);
      c.server?.resetPeakRss();
      const database = c.server && databaseOf.get(c.server);
      const db = database ? { serverUrl: postgresServer, database } : undefined;
      const cpuBefore = c.server ? await cpuSnapshot(c.server.child.pid!, db) : undefined;
      const result = await c.run();
      const cpu = cpuBefore && c.server ? cpuBetween(cpuBefore, await cpuSnapshot(c.server.child.pid!, db)) : undefined;
      const answered = result.reqPerSec * duration;
      const perRequest = (ms: number | null | undefined) =>
        ms == null || !answered ? null : Math.round((ms / answered) * 1000) / 1000;
      byName.get(c.name)!.runs.push({
        round,
        reqPerSec: Math.round(result.reqPerSec * 10) / 10,
        p50Ms: c.server ? result.p50Ms : null,
        p99Ms: c.server ? result.p99Ms : null,
        peakRssMb: c.server ? c.server.peakRssMb() : null,
        serverCpuMsPerReq: perRequest(cpu?.serverMs),
        databaseCpuMsPerReq: perRequest(cpu?.databaseMs),
        statuses: result.statuses,
        errors: result.errors,
        loadavg: result.loadavg,
      });
    }
  }
}

async function peerChains(peer: Child, count: number): Promise<string[]> {
  const { body } = await json(`${peer.url}/bench/chains?count=${count}`, { method: 'POST' });
  return (body as { tokens: string[] }).tokens;
}

interface Database {
  url: string;
  /** The PostgreSQL database's name (none for PGlite). */
  name?: string;
  drop(): Promise<void>;
}

async function freshDatabase(
  kind: 'postgresql' | 'pglite',
  prefix: string,
  cleanup: (() => Promise<unknown>)[],
): Promise<Database> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
    const drop = () => rm(dir, { recursive: true, force: true });
    cleanup.push(drop);
    return { url: `pglite://${dir}/data`, drop };
  }
  const database = await freshPostgresDatabase(postgresServer, prefix);
  cleanup.push(() => database.drop());
  return { ...database, name: new URL(database.url).pathname.slice(1) };
}

/** Latchkey on a fresh database: a first start (migrations, first key) and a restart; the user comes from the admin API. */
async function latchkey(kind: 'postgresql' | 'pglite', rateLimit: boolean, cleanup: (() => Promise<unknown>)[]) {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-bench-cwd-'));
  cleanup.push(() => rm(cwd, { recursive: true, force: true }));
  const database = await freshDatabase(kind, rateLimit ? 'latchkey_bench' : 'latchkey_bench_nolimits', cleanup);
  // The restart must open the keys the first start sealed: one KEY_ENCRYPTION_KEY per database.
  const env = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const first = await startLatchkey(env, cwd, { rateLimit });
  await first.stop();
  const server = await startLatchkey({ ...env, ADMIN_TOKEN: first.adminToken }, cwd, { rateLimit });
  cleanup.push(() => server.stop());
  if (database.name) databaseOf.set(server, database.name);
  // Idle as a restarted instance is, before the bench's users are made: making 65 of them hashes
  // on every thread of the pool, and each thread then keeps argon2's memory (docs: Memory).
  await sleep(2000);
  const idleMb = await server.rssMb();
  await createBenchUser(server);
  const loginEmails = await createLoginAccounts(server, connections);
  return { server, idleMb, loginEmails, database: database.name, startup: { first: first.startup, restart: server.startup } };
}

function latchkeyRefresh(name: string, role: Role, server: LatchkeyProcess, note?: string): Contender {
  let chains: ReturnType<typeof refreshChains>;
  return {
    name,
    role,
    ...(note ? { note } : {}),
    server,
    async prepare() {
      chains = refreshChains(cookieRefresh(COOKIE, address), (await latchkeySessions(server, connections, address)).tokens);
    },
    run: () => load({ url: server.url, connections, duration, ...chains }),
  };
}

function peerRefresh(name: string, server: Child, path: string, client: { id: string; secret: string }, note: string): Contender {
  let chains: ReturnType<typeof refreshChains>;
  return {
    name,
    role: 'peer',
    note,
    server,
    async prepare() {
      chains = refreshChains(oauthRefresh(path, client, address), await peerChains(server, connections));
    },
    run: () => load({ url: server.url, connections, duration, ...chains }),
  };
}

function loginContenders(server: LatchkeyProcess, emails: string[]): Contender[] {
  return [
    {
      name: 'Latchkey',
      role: 'latchkey',
      server,
      run: () => load({ url: server.url, connections, duration, ...manyUsersLogin(emails, PASSWORD, address) }),
    },
    {
      name: `argon2id verify (${threadpoolSize()} threads)`,
      role: 'reference',
      async run() {
        const ceiling = await runCeiling('argon2', { BENCH_DURATION: String(duration), BENCH_CONNECTIONS: String(connections) });
        return {
          reqPerSec: ceiling.opsPerSec,
          p50Ms: 0,
          p99Ms: 0,
          statuses: {},
          non2xx: 0,
          errors: 0,
          loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
        };
      },
    },
  ];
}

const getter = (name: string, role: Role, server: Child, path: string, headers: Record<string, string> = {}): Contender => ({
  name,
  role,
  server,
  run: () => load({ url: `${server.url}${path}`, connections, duration, headers }),
});

async function memoryOf(contender: string, server: Child, idleAtStartMb: number, peakMb: number): Promise<ProcessMemory> {
  return { contender, idleAtStartMb, peakMb, idleAfterLoadMb: await server.rssMb() };
}

async function suite(kind: 'postgresql' | 'pglite'): Promise<Suite> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const roundCount = rounds[kind];
  try {
    log(`${kind}: starting Latchkey (production configuration), Latchkey with RATE_LIMIT=false, the peers and hello-world`);
    const main = await latchkey(kind, true, cleanup);
    const noLimits = await latchkey(kind, false, cleanup);
    const hello = await startHelloWorld();
    cleanup.push(() => hello.stop());
    const peers: Record<string, Child> = {};
    if (kind === 'postgresql') {
      for (const [name, script] of [
        ['oauth2', 'oauth2-server.mjs'],
        ['oidc', 'oidc-provider.mjs'],
      ] as const) {
        const database = await freshDatabase('postgresql', `bench_peer_${name}`, cleanup);
        const peer = await startPeer(script, { DATABASE_URL: database.url, PORT: '0' });
        cleanup.push(() => peer.stop());
        peers[name] = peer;
        databaseOf.set(peer, database.name!);
      }
    }
    await sleep(2000);
    const servers: [string, Child][] = [
      ['Latchkey', main.server],
      ['Latchkey, RATE_LIMIT=false', noLimits.server],
      ...(peers.oauth2 ? [['@node-oauth/oauth2-server', peers.oauth2] as [string, Child]] : []),
      ...(peers.oidc ? [['oidc-provider', peers.oidc] as [string, Child]] : []),
      ['Express hello-world', hello],
    ];
    const idle = new Map<string, number>();
    for (const [name, server] of servers) idle.set(name, await server.rssMb());
    idle.set('Latchkey', main.idleMb);
    idle.set('Latchkey, RATE_LIMIT=false', noLimits.idleMb);
    const peak = new Map<string, number>();

    const entries: Entry[] = [];
    await interleave(
      entries,
      'jwks',
      [
        getter('Express hello-world', 'reference', hello, '/'),
        getter('Latchkey', 'latchkey', main.server, '/.well-known/jwks.json'),
        ...(peers.oidc ? [getter('oidc-provider', 'peer', peers.oidc, '/jwks')] : []),
      ],
      roundCount,
    );
    await interleave(entries, 'login', loginContenders(main.server, main.loginEmails), roundCount);
    await interleave(
      entries,
      'refresh',
      [
        latchkeyRefresh('Latchkey', 'latchkey', main.server),
        latchkeyRefresh('Latchkey, RATE_LIMIT=false', 'second line', noLimits.server),
        ...(peers.oauth2
          ? [
              peerRefresh(
                '@node-oauth/oauth2-server',
                peers.oauth2,
                '/token',
                PEER_CLIENTS.oauth2,
                'Express, minimal pg model (bench/peers/oauth2-server.mjs); opaque access token stored in the database, no signature',
              ),
            ]
          : []),
        ...(peers.oidc
          ? [
              peerRefresh(
                'oidc-provider',
                peers.oidc,
                '/token',
                PEER_CLIENTS.oidc,
                'Koa, minimal PostgreSQL adapter (bench/peers/oidc-postgres-adapter.mjs); ES256 JWT access token (RFC 9068), no ID token',
              ),
            ]
          : []),
      ],
      roundCount,
    );
    const { accessToken } = scenarios.has('me') ? await latchkeySessions(main.server, 1, address) : { accessToken: '' };
    await interleave(
      entries,
      'me',
      [getter('Latchkey', 'latchkey', main.server, '/auth/me', { authorization: `Bearer ${accessToken}` })],
      1,
    );
    // By now the refresh and login scenarios have filled list 1 with sessions (and /auth/me's);
    // run alone (BENCH_SCENARIOS=statuslist), the list needs a few of its own.
    if (scenarios.has('statuslist')) await latchkeySessions(main.server, 8, address);
    await interleave(
      entries,
      'statuslist',
      [getter('Express hello-world', 'reference', hello, '/'), getter('Latchkey', 'latchkey', main.server, '/statuslists/1')],
      roundCount,
    );
    for (const entry of entries) {
      for (const run of entry.runs) {
        if (run.peakRssMb !== null) peak.set(entry.contender, Math.max(peak.get(entry.contender) ?? 0, run.peakRssMb));
      }
    }
    await sleep(5000);
    const memory: ProcessMemory[] = [];
    for (const [name, server] of servers) {
      if (peak.has(name)) memory.push(await memoryOf(name, server, idle.get(name)!, peak.get(name)!));
    }
    return { database: kind, entries, memory, startup: main.startup };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresServer, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main() {
  const loadavgAtStart = os.loadavg();
  const suites: Suite[] = [];
  for (const kind of databases) {
    if (kind !== 'postgresql' && kind !== 'pglite') throw new Error(`BENCH_DATABASES: unknown database ${kind}`);
    if (kind === 'postgresql' && !(await postgresReachable())) {
      log(`no PostgreSQL at ${new URL(postgresServer).host}: skipping its suite (and the peers)`);
      continue;
    }
    suites.push(await suite(kind));
  }
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const results: Results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadavgAtStart: loadavgAtStart.map(round2),
      loadavgAtEnd: os.loadavg().map(round2),
    },
    options: { duration, connections, rounds, threadpoolSize: threadpoolSize(), latchkeyArgs: await latchkeyArgs() },
    suites,
    verdicts: judge(suites),
  };
  console.log(textReport(results));
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = path.join(ROOT, 'bench/results', `${results.date.slice(0, 10)}${process.env.BENCH_RESULT_SUFFIX ?? ''}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)} (npm run bench:docs -- ${path.relative(ROOT, file)})`);
}

async function latchkeyArgs(): Promise<string[]> {
  const args = (await npmStartArgs()).map((a) => (a.startsWith(ROOT) ? path.relative(ROOT, a) : a));
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [...args.slice(0, -1), ...extra, args.at(-1)!];
}

await main();
