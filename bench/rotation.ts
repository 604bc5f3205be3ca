// `npm run chaos:rotation`: what a stock resource server (jose's createRemoteJWKSet with its
// defaults: refetch on an unknown kid at most every 30 s, cache 10 min) sees after
// `keys rotate --now` and after `keys rotate` (pre-published). One Latchkey process (the
// compiled server, embedded database); a token is issued and verified every 500 ms, each
// through the verifier, and the time its tokens fail is measured (docs/chaos.md).
//
// To run in minutes, KEY_PREPUBLISH is 40 s here (1 day by default): still longer than jose's
// 30 s cooldown, as the default is longer than its 10 min cache.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startServer } from './processes.js';

const PREPUBLISH = 40;
const ISSUER = 'https://bench.example';
const PASSWORD = 'rotation bench passphrase';

const cwd = await mkdtemp(path.join(tmpdir(), 'latchkey-rotation-'));
const server = await startServer(
  {
    DATABASE_URL: `pglite://${path.join(cwd, 'data')}`,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    KEY_PREPUBLISH: String(PREPUBLISH),
    JWKS_MAX_AGE: '30',
    KEY_CHECK_INTERVAL: '1',
    ISSUER,
  },
  cwd,
);

async function token(): Promise<string> {
  const body = JSON.stringify({ email: 'rotation@example.com', password: PASSWORD });
  const res = await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function rotate(now: boolean): Promise<string> {
  const res = await fetch(`${server.adminUrl}/admin/keys/rotate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now }),
  });
  return ((await res.json()) as { kid: string }).kid;
}

/** Issues and verifies a token every 500 ms for `seconds`; returns when tokens of `kid` failed and passed. */
async function watch(verify: (t: string) => Promise<unknown>, kid: string, seconds: number, since: number) {
  const failures: number[] = [];
  let firstPass: number | undefined;
  let firstIssued: number | undefined;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = await token();
    const at = (performance.now() - since) / 1000;
    if (decodeProtectedHeader(t).kid === kid) {
      firstIssued ??= at;
      try {
        await verify(t);
        firstPass = at;
        break;
      } catch {
        failures.push(at);
      }
    } else {
      await verify(t); // the old key still signs: must pass
    }
    await sleep(500);
  }
  return { failures, firstIssued, firstPass };
}

const options = { issuer: ISSUER, audience: 'api', typ: 'at+jwt', algorithms: ['ES256'] };
const f = (s: number | undefined) => (s === undefined ? '-' : `${s.toFixed(1)} s`);
try {
  await fetch(`${server.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'rotation@example.com', password: PASSWORD }),
  });

  for (const now of [true, false]) {
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)); // stock defaults
    const verify = (t: string) => jwtVerify(t, jwks, options);
    await verify(await token()); // the verifier has just fetched the JWKS: the worst moment for --now
    const since = performance.now();
    await sleep(1000);
    const kid = await rotate(now);
    const seen = await watch(verify, kid, now ? 45 : PREPUBLISH + 15, since);
    console.log(
      `keys rotate${now ? ' --now' : '      '}: verifier fetched the JWKS at 0 s, rotation at 1.0 s; ` +
        `first token of the new key at ${f(seen.firstIssued)}, first accepted at ${f(seen.firstPass)}; ` +
        `${seen.failures.length} tokens refused` +
        (seen.failures.length ? ` (from ${f(seen.failures[0])} to ${f(seen.failures.at(-1))})` : ''),
    );
  }
} finally {
  await server.stop();
  await rm(cwd, { recursive: true, force: true });
}
