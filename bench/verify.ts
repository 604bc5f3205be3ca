// `npm run bench:verify`: @latchkey/verify verifying access tokens with the status-list check on,
// next to plain `jose.jwtVerify` with a local key, in the same process and run. The sides take
// turns in short slices, so a neighbour's load on a shared machine falls on all of them alike;
// each side's throughput is reported per wall-clock second and per CPU second of this process
// (the latter barely moves with other processes' load). Goal (issue 12): ≥ 0.8 of jose.
// Options (environment): BENCH_DURATION (s per side, default 10), BENCH_SLICE (ms, default 250),
// BENCH_CONCURRENCY (verifications in flight, default 32), BENCH_TOKENS (distinct tokens, default 1000),
// BENCH_STATUS_LIST_TTL (s, default 2: the run includes the list's revalidations).
import { createVerifier } from '@latchkey/verify';
import { type CryptoKey, importJWK, jwtVerify } from 'jose';
import { FakeIssuer } from '../test/support/fake-issuer.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const slice = Number(process.env.BENCH_SLICE ?? 250);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const tokenCount = Number(process.env.BENCH_TOKENS ?? 1000);
const statusListTtl = Number(process.env.BENCH_STATUS_LIST_TTL ?? 2);

type Verify = (token: string) => Promise<unknown>;

interface Totals {
  done: number;
  wallMs: number;
  cpuMs: number;
}

/** One slice: `concurrency` verifications in flight for `slice` ms, cycling through the tokens. */
async function measure(verify: Verify, tokens: readonly string[], totals: Totals): Promise<void> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const end = started + slice;
  const worker = async () => {
    while (performance.now() < end) {
      await verify(tokens[next++ % tokens.length]!);
      totals.done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  totals.wallMs += performance.now() - started;
  totals.cpuMs += (used.user + used.system) / 1000;
}

async function main() {
  const issuer = await FakeIssuer.start();
  issuer.statusListTtl = statusListTtl;
  try {
    const withStatus = await Promise.all(Array.from({ length: tokenCount }, async () => (await issuer.issue()).token));
    const withoutStatus = await Promise.all(
      Array.from({ length: tokenCount }, async () => (await issuer.issue({ claims: { status: undefined } })).token),
    );
    // A realistic list: 1 % of its indices revoked (none of the tokens above).
    for (let idx = tokenCount; idx < tokenCount + 80; idx += 1) issuer.setBit(idx);

    const jwks = (await (await fetch(`${issuer.url}/.well-known/jwks.json`)).json()) as {
      keys: Parameters<typeof importJWK>[0][];
    };
    const localKey = (await importJWK(jwks.keys[0]!, 'ES256')) as CryptoKey;
    const options = { issuer: issuer.url, audience: 'api', typ: 'at+jwt', algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'] };
    const verifier = createVerifier({ issuer: issuer.url, audience: 'api' });

    const zero = (): Totals => ({ done: 0, wallMs: 0, cpuMs: 0 });
    const sides: { name: string; verify: Verify; tokens: string[]; totals: Totals }[] = [
      { name: 'jose.jwtVerify, local key', verify: (t) => jwtVerify(t, localKey, options), tokens: withStatus, totals: zero() },
      { name: '@latchkey/verify, status list check on', verify: (t) => verifier.verify(t), tokens: withStatus, totals: zero() },
      {
        name: '@latchkey/verify, token without status',
        verify: (t) => verifier.verify(t),
        tokens: withoutStatus,
        totals: zero(),
      },
    ];
    for (const side of sides) await side.verify(side.tokens[0]!); // warm: JWKS and list fetched, code compiled
    const listRequestsBefore = issuer.requests.statusList;

    process.stderr.write(
      `bench:verify: ${duration} s per side in ${slice} ms slices, ${concurrency} in flight, ${tokenCount} tokens, status list ttl ${statusListTtl} s\n`,
    );
    const slices = Math.ceil((duration * 1000) / slice);
    for (let i = 0; i < slices; i += 1) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await measure(side.verify, side.tokens, side.totals);
    }

    const perWall = (t: Totals) => t.done / (t.wallMs / 1000);
    const perCpu = (t: Totals) => t.done / (t.cpuMs / 1000);
    const base = sides[0]!.totals;
    const table = sides.map(({ name, totals }) => ({
      scenario: name,
      'verifications/s': Math.round(perWall(totals)),
      'per CPU second': Math.round(perCpu(totals)),
      'ratio (wall)': Number((perWall(totals) / perWall(base)).toFixed(3)),
      'ratio (CPU)': Number((perCpu(totals) / perCpu(base)).toFixed(3)),
    }));
    printTable(table);
    const ratio = table[1]!['ratio (CPU)'];
    console.log(
      `status list requests during the run: ${issuer.requests.statusList - listRequestsBefore} (${issuer.requests.notModified} answered 304)`,
    );
    console.log(
      `verdict: @latchkey/verify with the status check at ${ratio} of jose.jwtVerify per CPU second (${table[1]!['ratio (wall)']} per wall second) — goal ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await issuer.close();
  }
}

/** A plain-text table: the columns padded to their widest cell. */
function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0]!);
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  for (const line of cells)
    console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

await main();
