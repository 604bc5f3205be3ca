// `npm run bench:memory`: what node flags and environment bound Latchkey's memory, and what they
// cost. For each variant (BENCH_MEMORY_VARIANTS, `;`-separated; each is node flags and NAME=value
// settings), Latchkey starts in its production configuration on a fresh PostgreSQL database;
// reported: RSS at idle after the first start (which migrates) and after a restart, logins (one
// account per connection; argon2's per-thread memory) for BENCH_LOGIN_SECONDS, then refresh for
// BENCH_DURATION with its req/s and CPU per request, peak RSS and RSS idle after.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { COOKIE, PASSWORD, createBenchUser, createLoginAccounts, latchkeySessions } from './clients.js';
import { cpuBetween, cpuSnapshot } from './cpu.js';
import { freshPostgresDatabase } from './database.js';
import { clientAddresses, cookieRefresh, load, manyUsersLogin, refreshChains } from './load.js';
import { startLatchkey } from './processes.js';
import { textTable } from './report.js';

const server = process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const loginSeconds = Number(process.env.BENCH_LOGIN_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const variants = (process.env.BENCH_MEMORY_VARIANTS ?? ';--max-semi-space-size=8;UV_THREADPOOL_SIZE=4')
  .split(';')
  .map((v) => v.trim());
const address = clientAddresses();

async function measure(variant: string) {
  const words = variant.split(/\s+/).filter(Boolean);
  const nodeArgs = words.filter((w) => w.startsWith('--'));
  const env = Object.fromEntries(words.filter((w) => !w.startsWith('--')).map((w) => w.split(/=(.*)/s, 2) as [string, string]));
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-memory-'));
  const database = await freshPostgresDatabase(server, 'latchkey_memory');
  try {
    const settings = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...env };
    const first = await startLatchkey(settings, cwd, { rateLimit: true, nodeArgs });
    await sleep(3000);
    const firstStartIdleMb = await first.rssMb(); // this start applied the migrations (schema engine)
    await first.stop();
    const latchkey = await startLatchkey(settings, cwd, { rateLimit: true, nodeArgs });
    await sleep(3000);
    const idleMb = await latchkey.rssMb();
    await createBenchUser(latchkey);
    const loginEmails = await createLoginAccounts(latchkey, connections);
    latchkey.resetPeakRss();
    const login = await load({
      url: latchkey.url,
      connections,
      duration: loginSeconds,
      ...manyUsersLogin(loginEmails, PASSWORD, address),
    });
    const loginPeakMb = latchkey.peakRssMb();
    const { tokens } = await latchkeySessions(latchkey, connections, address);
    latchkey.resetPeakRss();
    const db = { serverUrl: server, database: new URL(database.url).pathname.slice(1) };
    const before = await cpuSnapshot(latchkey.child.pid!, db);
    const refresh = await load({
      url: latchkey.url,
      connections,
      duration,
      ...refreshChains(cookieRefresh(COOKIE, address), tokens),
    });
    const cpu = cpuBetween(before, await cpuSnapshot(latchkey.child.pid!, db));
    const refreshPeakMb = latchkey.peakRssMb();
    await sleep(5000);
    const afterMb = await latchkey.rssMb();
    await latchkey.stop();
    const answered = refresh.reqPerSec * duration;
    return {
      variant: variant || '(npm start as it is)',
      firstStartIdleMb,
      idleMb,
      loginPerSec: Math.round(login.reqPerSec),
      loginPeakMb,
      refreshPerSec: Math.round(refresh.reqPerSec),
      refreshP99Ms: refresh.p99Ms,
      cpuMsPerRefresh: `${(cpu.serverMs / answered).toFixed(2)} + ${((cpu.databaseMs ?? 0) / answered).toFixed(2)}`,
      refreshPeakMb,
      idleAfterMb: afterMb,
      load: refresh.loadavg[0],
    };
  } finally {
    await database.drop();
    await rm(cwd, { recursive: true, force: true });
  }
}

const rows = [];
for (const variant of variants) {
  process.stderr.write(`bench:memory: ${variant || '(npm start as it is)'}\n`);
  rows.push(await measure(variant));
}
const header = Object.keys(rows[0] ?? {});
console.log(
  textTable(
    header,
    rows.map((row) => header.map((k) => String(row[k as keyof typeof row]))),
  ),
);
