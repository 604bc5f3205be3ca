// `npm run bench:oauth`: the OAuth scenarios of issues 10 and 11, each next to a ceiling
// measured in the same run on the same machine:
//   POST /oauth/token client_credentials          vs  a raw jose ES256 sign (bench/ceilings.ts)
//   POST /auth/refresh, user with 5 roles / 40 permissions  vs  the plain refresh (no roles)
// Options (environment) as bench/run.ts: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS
// (default 64), DATABASE_URL (PostgreSQL; default: embedded PGlite in a temp dir), UV_THREADPOOL_SIZE;
// BENCH_ROUNDS (default 4): the two refreshes alternate in that many rounds of BENCH_DURATION/rounds s each.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freshPostgresDatabase } from './database.js';
import type autocannon from 'autocannon';
import { type LoadResult, clientAddresses, cookieRefresh, load, refreshChains } from './load.js';
import { ROOT, runCeiling, startServer, threadpoolSize } from './processes.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const databaseUrl = process.env.DATABASE_URL;
const COOKIE = '__Secure-lk_rt';
const PASSWORD = 'a long bench passphrase';
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Several runs of one scenario, each `sliceSeconds` long, as one: total successful answers over
 * total time (load() counts 2xx per second of its duration, so that is the runs' mean); the worst
 * p50/p99 of the runs; the failures summed; the load average when the last run ended.
 */
function combine(results: LoadResult[], sliceSeconds: number): LoadResult {
  const ok = results.reduce((sum, r) => sum + r.reqPerSec * sliceSeconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [code, count] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    reqPerSec: ok / (sliceSeconds * results.length),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    statuses,
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    loadavg: results.at(-1)!.loadavg,
  };
}

/**
 * refreshChains (bench/load.ts) whose chains outlive one load() call: each round's connections
 * continue the chains where the previous round left them, instead of presenting their first
 * (by then rotated) tokens again, which would be reuse.
 */
function lastingChains(tokens: string[]) {
  const states = tokens.map((token) => ({ token }));
  // The server does not trust a proxy (no TRUST_PROXY), so the X-Forwarded-For this adds is ignored.
  const protocol = cookieRefresh(COOKIE, clientAddresses());
  return () => {
    const chains = refreshChains(protocol, tokens);
    let next = 0;
    return {
      ...chains,
      setupClient(client: autocannon.Client) {
        const state = states[next++ % states.length]!;
        const iterator = (
          client as unknown as { requestIterator: { context: unknown; resetContext(): void; rebuildRequest(): void } }
        ).requestIterator;
        iterator.context = state;
        iterator.resetContext = () => void (iterator.context = state);
        iterator.rebuildRequest();
      },
    };
  };
}

async function call(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res;
}

async function main() {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'latchkey-bench-oauth-'));
  const database = databaseUrl?.startsWith('postgres')
    ? { ...(await freshPostgresDatabase(databaseUrl, 'latchkey_bench_oauth')), kind: 'postgresql' }
    : { url: `pglite://${cwd}/data`, kind: 'pglite', drop: () => Promise.resolve() };
  // The plainly configured server (bench/processes.ts startServer): registration on, rate limits
  // off, admin API on its own loopback port without a token.
  const server = await startServer({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, cwd);
  const admin = `${server.adminUrl!}/admin`;
  const rows: { scenario: string; result: LoadResult; ceiling?: { name: string; perSec: number } }[] = [];
  const scenario = async (name: string, run: () => Promise<LoadResult>, ceiling?: { name: string; perSec: number }) => {
    log(`${name} (${duration} s, ${connections} connections)`);
    const result = await run();
    rows.push({ scenario: name, result, ceiling });
    return result;
  };
  try {
    // A service (client credentials) and two users: one without roles, one with 5 roles / 40 permissions.
    const service = (await (
      await call(`${admin}/clients`, {
        body: {
          name: 'bench service',
          type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: ['reports:read', 'reports:write'],
        },
      })
    ).json()) as { client_id: string; client_secret: string };
    const roles = Array.from({ length: 5 }, (_, r) => `role-${r}`);
    for (const [r, role] of roles.entries()) {
      const permissions = Array.from({ length: 8 }, (_, p) => `resource-${r}:action-${p}`);
      await call(`${admin}/roles/${role}`, { method: 'PUT', body: { permissions } });
    }
    const plainEmail = 'plain@example.com';
    const richEmail = 'rich@example.com';
    await call(`${server.url}/auth/register`, { body: { email: plainEmail, password: PASSWORD } });
    const rich = (await (
      await call(`${server.url}/auth/register`, { body: { email: richEmail, password: PASSWORD } })
    ).json()) as {
      id: string;
    };
    await call(`${admin}/users/${rich.id}/roles`, { method: 'PUT', body: { roles } });

    const sessions = async (email: string) => {
      log(`logging in ${connections} sessions of ${email}`);
      const tokens: string[] = [];
      for (let i = 0; i < connections; i++) {
        const res = await call(`${server.url}/auth/login`, { body: { email, password: PASSWORD } });
        const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
        tokens.push(cookie.slice(COOKIE.length + 1, cookie.indexOf(';')));
      }
      return tokens;
    };
    const plainTokens = await sessions(plainEmail);
    const richTokens = await sessions(richEmail);

    log('ES256 sign ceiling');
    const es256 = await runCeiling('es256', { BENCH_DURATION: String(duration), BENCH_CONNECTIONS: String(connections) });
    await scenario(
      'POST /oauth/token client_credentials',
      () =>
        load({
          url: `${server.url}/oauth/token`,
          connections,
          duration,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${service.client_id}:${service.client_secret}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        }),
      { name: 'jose ES256 sign', perSec: es256.opsPerSec },
    );
    // The two refreshes alternate in short rounds (plain first, then rich first, …) and are summed,
    // so a change in the machine's load during the run weighs on both alike.
    const chains = { plain: lastingChains(plainTokens), rich: lastingChains(richTokens) };
    const totals = { plain: [] as LoadResult[], rich: [] as LoadResult[] };
    const slice = Math.max(1, Math.round(duration / rounds));
    for (let round = 0; round < rounds; round++) {
      for (const who of round % 2 === 0 ? (['plain', 'rich'] as const) : (['rich', 'plain'] as const)) {
        log(`refresh ${who}, round ${round + 1}/${rounds} (${slice} s)`);
        totals[who].push(await load({ url: server.url, connections, duration: slice, ...chains[who]() }));
      }
    }
    const plain = combine(totals.plain, slice);
    rows.push({ scenario: `POST /auth/refresh (no roles; ${rounds} rounds)`, result: plain });
    rows.push({
      scenario: `POST /auth/refresh (5 roles, 40 permissions; ${rounds} rounds)`,
      result: combine(totals.rich, slice),
      ceiling: { name: 'plain refresh, same rounds', perSec: plain.reqPerSec },
    });

    const table = rows.map(({ scenario: name, result, ceiling }) => ({
      scenario: name,
      'req/s': String(round(result.reqPerSec)),
      'p50 ms': String(result.p50Ms),
      'p99 ms': String(result.p99Ms),
      failed: String(result.non2xx + result.errors),
      ceiling: ceiling ? `${ceiling.name}: ${round(ceiling.perSec)}/s` : '',
      ratio: ceiling ? `${Math.round((result.reqPerSec / ceiling.perSec) * 100)} %` : '',
    }));
    const columns = Object.keys(table[0]!);
    const widths = columns.map((c) => Math.max(c.length, ...table.map((row) => row[c as keyof (typeof table)[0]].length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
    console.log(line(columns));
    console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const row of table) console.log(line(columns.map((c) => row[c as keyof typeof row])));

    const file = path.join(ROOT, 'bench/results', `${new Date().toISOString().slice(0, 10)}-oauth-${database.kind}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg().map((l) => round(l, 2)) },
          options: { duration, rounds, connections, database: database.kind, threadpoolSize: threadpoolSize() },
          ceilings: { es256SignPerSec: round(es256.opsPerSec) },
          scenarios: rows.map((r) => ({
            scenario: r.scenario,
            ...r.result,
            reqPerSec: round(r.result.reqPerSec),
            ceiling: r.ceiling?.name ?? null,
            ceilingPerSec: r.ceiling ? round(r.ceiling.perSec) : null,
            ratio: r.ceiling ? round(r.result.reqPerSec / r.ceiling.perSec, 3) : null,
          })),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  } finally {
    await server.stop();
    await database.drop();
    await rm(cwd, { recursive: true, force: true });
  }
}

await main();
