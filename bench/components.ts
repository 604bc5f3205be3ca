// `node --import tsx bench/components.ts`: pieces of a refresh measured alone, before and after a
// change, in one process: batches of each variant interleaved, process CPU (all threads) per
// operation, medians. On a shared machine this is steadier than a whole-server A/B
// (bench/ab.ts), whose noise can exceed a few microseconds' change. The "before" side of each pair
// is the code as it was (jose's SignJWT through WebCrypto; helmet run per response).
import { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import { KeyObject, randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { type CryptoKey, SignJWT, generateKeyPair } from 'jose';
import helmet from 'helmet';
import { signJwt } from '../src/tokens/jws.js';
import { securityHeaders } from '../src/http/middleware/security-headers.js';
import { loadConfig } from '../src/config.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
async function ab(name: string, a: () => unknown, b: () => unknown, batch = 200, batches = 40) {
  const ta: number[] = [],
    tb: number[] = [];
  for (let i = 0; i < batches; i++) {
    for (const [fn, out] of (i % 2
      ? [
          [a, ta],
          [b, tb],
        ]
      : [
          [b, tb],
          [a, ta],
        ]) as [() => unknown, number[]][]) {
      const c0 = process.cpuUsage();
      for (let j = 0; j < batch; j++) await fn();
      const c = process.cpuUsage(c0);
      out.push((c.user + c.system) / batch);
    }
  }
  console.log(
    `${name}: before ${median(ta).toFixed(1)} µs, after ${median(tb).toFixed(1)} µs (process CPU per op, median of ${batches} interleaved batches, load ${os.loadavg()[0]!.toFixed(1)})`,
  );
}

const { privateKey } = await generateKeyPair('ES256');
const ko = KeyObject.from(privateKey as CryptoKey);
const claims = () => ({
  client_id: 'latchkey',
  sid: randomUUID(),
  status: { status_list: { idx: 5, uri: 'https://bench.example/statuslists/1' } },
});
await ab(
  'ES256 access token',
  () =>
    new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: 'k'.repeat(43), typ: 'at+jwt' })
      .setIssuer('https://bench.example')
      .setSubject(randomUUID())
      .setAudience('api')
      .setIssuedAt(1)
      .setExpirationTime(601)
      .setJti(randomUUID())
      .sign(privateKey),
  () =>
    signJwt(
      { alg: 'ES256', kid: 'k'.repeat(43), typ: 'at+jwt' },
      { ...claims(), iss: 'https://bench.example', sub: randomUUID(), aud: 'api', iat: 1, exp: 601, jti: randomUUID() },
      ko,
    ),
);

const config = loadConfig({ ISSUER: 'https://bench.example', DATABASE_URL: 'pglite://x', NODE_ENV: 'test' } as NodeJS.ProcessEnv);
const https = true;
const before = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
}) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const after = securityHeaders(config) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const req = new IncomingMessage(new Socket());
const fresh = () => new ServerResponse(req);
await ab(
  'security headers',
  () => before(req, fresh(), () => {}),
  () => after(req, fresh(), () => {}),
  2000,
  40,
);
