// `npm run chaos`: faults injected under load, against real processes (docs/chaos.md).
//
// Two Latchkey processes (the compiled server, production settings) on one fresh PostgreSQL
// database; CHAOS_CLIENTS (40) clients each walk their own refresh chain through both
// instances in turn, and call /auth/me with each new access token. Half of them behave like
// browsers and obey every Set-Cookie (a cleared cookie logs them out); the others keep their
// token until a 200 replaces it. Every client gives up on a request after 10 s and retries,
// waits as long as Retry-After says on a 503 or 429, and has lost its session when a refresh
// answers 401 or its cookie is gone. The experiments (arguments, default both):
//   restart  PostgreSQL restarts (pg_ctlcluster … restart: ~10 s for EVERY user of the machine)
//   lock     another connection holds ACCESS EXCLUSIVE on refresh_tokens for 15 s
// Each prints its answers by status, client timeouts, and sessions lost / total, checked by one
// last refresh of every chain after the fault and by the sessions table.
//
// DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run chaos [-- restart|lock …]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freshPostgresDatabase } from './database.js';
import { type Child, startServer } from './processes.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl?.startsWith('postgres')) {
  console.error('npm run chaos needs DATABASE_URL=postgresql://… (a server it may restart)');
  process.exit(2);
}
const CLIENTS = Number(process.env.CHAOS_CLIENTS ?? 40);
const THINK_MS = Number(process.env.CHAOS_THINK_MS ?? 500);
const CLIENT_TIMEOUT_MS = 10_000;
const LOCK_SECONDS = 15;
const RECOVERY_SECONDS = 20;
const COOKIE = '__Secure-lk_rt';
const PASSWORD = 'chaos monkey passphrase 1';
const experiments = process.argv.slice(2).length ? process.argv.slice(2) : ['restart', 'lock'];

/** Answers by route and status (`timeout`: the client gave up after 10 s; `error`: no HTTP answer). */
class Tally {
  readonly counts = new Map<string, number>();
  add(route: string, status: string): void {
    const key = `${route} ${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  print(): void {
    for (const [key, n] of [...this.counts].sort()) console.log(`  ${key.padEnd(24)} ${n}`);
  }
}

interface Client {
  id: number;
  ip: string;
  browser: boolean;
  token: string | undefined;
  access: string | undefined;
  lost: string | undefined;
}

async function request(url: string, init: RequestInit, tally: Tally, route: string): Promise<Response | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
    tally.add(route, String(res.status));
    return res;
  } catch (error) {
    tally.add(route, (error as Error).name === 'TimeoutError' ? 'timeout' : 'error');
    return undefined;
  }
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${COOKIE}=`))
    ?.split(';')[0]
    ?.slice(COOKIE.length + 1);

/** One refresh (and /auth/me after a 200), as a browser or an API client would handle it. */
async function step(client: Client, urls: string[], turn: number, tally: Tally): Promise<number> {
  if (client.lost || !client.token) return THINK_MS;
  const base = urls[turn % urls.length]!;
  const res = await request(
    `${base}/auth/refresh`,
    { method: 'POST', headers: { cookie: `${COOKIE}=${client.token}`, 'x-forwarded-for': client.ip } },
    tally,
    'refresh',
  );
  if (!res) return 0; // gave up after 10 s: retry at once with the same cookie
  const body = (await res.json().catch(() => ({}))) as { access_token?: string };
  const set = cookieOf(res);
  if (set !== undefined && (client.browser || res.status === 200)) client.token = set || undefined;
  if (res.status === 200) client.access = body.access_token;
  if (res.status === 401) client.lost = 'refresh answered 401';
  else if (!client.token) client.lost = `cookie cleared by a ${res.status}`;
  if (res.status === 503 || res.status === 429) return Number(res.headers.get('retry-after') ?? 1) * 1000;
  if (res.status === 200 && client.access) {
    await request(
      `${urls[(turn + 1) % urls.length]}/auth/me`,
      { headers: { authorization: `Bearer ${client.access}` } },
      tally,
      'me',
    );
  }
  return THINK_MS;
}

async function walk(client: Client, urls: string[], tally: Tally, until: () => boolean): Promise<void> {
  for (let turn = client.id; !until(); turn++) {
    const wait = await step(client, urls, turn, tally);
    if (wait > 0) await sleep(wait);
  }
}

async function login(base: string, client: Client): Promise<void> {
  const headers = { 'content-type': 'application/json', 'x-forwarded-for': client.ip };
  const email = `chaos-${client.id}@example.com`;
  await fetch(`${base}/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email, password: PASSWORD }) });
  const res = await fetch(`${base}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password: PASSWORD }) });
  if (res.status !== 200) throw new Error(`login of client ${client.id} answered ${res.status}`);
  client.token = cookieOf(res);
  client.access = ((await res.json()) as { access_token: string }).access_token;
}

async function restartPostgres(): Promise<void> {
  const command = process.env.CHAOS_RESTART_COMMAND;
  if (command) {
    await promisify(execFile)('sh', ['-c', command]);
    return;
  }
  const [version] = await readdir('/etc/postgresql');
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version!, 'main', 'restart']);
}

async function holdLock(url: string, seconds: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE');
    await sleep(seconds * 1000);
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
}

async function revokedSessions(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ reason: string; n: number }>(
      `SELECT coalesce(revoked_reason, 'live') AS reason, count(*)::int AS n FROM sessions GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  } finally {
    await client.end();
  }
}

async function experiment(name: string, fault: () => Promise<void>, clients: Client[], urls: string[], dbUrl: string) {
  const tally = new Tally();
  let done = false;
  const walking = Promise.all(clients.map((c) => walk(c, urls, tally, () => done)));
  await sleep(5_000);
  const started = performance.now();
  await fault();
  const faultSeconds = (performance.now() - started) / 1000;
  await sleep(RECOVERY_SECONDS * 1000);
  done = true;
  await walking;
  // One last refresh of every chain, on a healthy system: a session that is not lost works.
  const final = new Tally();
  await Promise.all(clients.map((c, i) => (c.lost ? Promise.resolve(0) : step(c, urls, i, final))));
  const lost = clients.filter((c) => c.lost || !c.token);
  console.log(`\nexperiment ${name}: fault lasted ${faultSeconds.toFixed(1)} s, then ${RECOVERY_SECONDS} s of recovery`);
  tally.print();
  console.log('  final refresh of every chain:');
  final.print();
  console.log(
    `  sessions lost: ${lost.length} / ${clients.length}` +
      (lost.length ? ` (${lost.map((c) => `#${c.id}: ${c.lost}`).join('; ')})` : ''),
  );
  console.log(`  sessions table: ${JSON.stringify(await revokedSessions(dbUrl))}`);
}

const database = await freshPostgresDatabase(serverUrl, 'latchkey_chaos');
const cwd = await mkdtemp(path.join(tmpdir(), 'latchkey-chaos-'));
const env = {
  DATABASE_URL: database.url,
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  RATE_LIMIT: 'true',
  TRUST_PROXY: 'loopback', // each client has its own X-Forwarded-For address, as behind a proxy
};
const servers: Child[] = [];
try {
  servers.push(await startServer(env, cwd));
  servers.push(await startServer(env, cwd));
  const urls = servers.map((s) => s.url);
  const clients: Client[] = Array.from({ length: CLIENTS }, (_, id) => ({
    id,
    ip: `10.0.${Math.floor(id / 250)}.${(id % 250) + 1}`,
    browser: id % 2 === 0,
    token: undefined,
    access: undefined,
    lost: undefined,
  }));
  for (const client of clients) await login(urls[client.id % 2]!, client);
  console.log(`${CLIENTS} clients (${CLIENTS / 2} obey every Set-Cookie like browsers), 2 instances, one PostgreSQL`);
  for (const name of experiments) {
    if (name === 'restart') await experiment('restart (PostgreSQL restarts)', restartPostgres, clients, urls, database.url);
    else if (name === 'lock')
      await experiment(
        `lock (${LOCK_SECONDS} s ACCESS EXCLUSIVE on refresh_tokens)`,
        () => holdLock(database.url, LOCK_SECONDS),
        clients,
        urls,
        database.url,
      );
    else throw new Error(`unknown experiment ${name} (restart, lock)`);
  }
  const dead = servers.filter((s) => s.child.exitCode !== null);
  console.log(`\nserver processes still running: ${servers.length - dead.length} / ${servers.length}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(cwd, { recursive: true, force: true });
  await database.drop();
}
