// Raw ceilings, each in its own process so nothing else shares its event loop or thread pool:
//   argon2: argon2id verifications per second with Latchkey's configured parameters (npm run bench, login);
//   es256:  RFC 9068 access tokens signed per second with jose, the call Latchkey makes (npm run bench:oauth).
// `concurrency` operations are kept in flight (like the benchmark's connections), and the
// libuv thread pool is the same size as the server's (UV_THREADPOOL_SIZE from the parent).
// By hand: UV_THREADPOOL_SIZE=2 BENCH_DURATION=6 node --import tsx bench/ceilings.ts argon2
import { randomUUID } from 'node:crypto';
import * as argon2 from 'argon2';
import { SignJWT, generateKeyPair } from 'jose';
import { loadConfig } from '../src/config.js';

const kind = process.argv[2];
const seconds = Number(process.env.BENCH_DURATION ?? 10);
const concurrency = Number(process.env.BENCH_CONNECTIONS ?? 64);

async function saturate(operation: () => Promise<unknown>): Promise<{ opsPerSec: number; ops: number }> {
  let ops = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      await operation();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { opsPerSec: ops / ((performance.now() - started) / 1000), ops };
}

async function argon2Ceiling() {
  // The parameters Latchkey would use with this environment (ARGON2_* or the OWASP defaults).
  const { argon2: params } = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const hash = await argon2.hash('correct horse battery staple', { type: argon2.argon2id, ...params });
  return saturate(() => argon2.verify(hash, 'correct horse battery staple'));
}

async function es256Ceiling() {
  const { privateKey } = await generateKeyPair('ES256');
  const iat = Math.floor(Date.now() / 1000);
  return saturate(() =>
    new SignJWT({ client_id: 'latchkey', sid: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
      .setIssuer('https://bench.example')
      .setSubject(randomUUID())
      .setAudience('api')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .setJti(randomUUID())
      .sign(privateKey),
  );
}

const result = kind === 'argon2' ? await argon2Ceiling() : kind === 'es256' ? await es256Ceiling() : undefined;
if (!result) throw new Error('usage: ceilings.ts argon2|es256');
// Also the process's CPU per operation (all threads, start-up included) and its RSS at the end:
// what glibc's settings trade (docs/performance.md, "Memory": MALLOC_MMAP_THRESHOLD_, GLIBC_TUNABLES).
const { userCPUTime, systemCPUTime } = process.resourceUsage();
console.log(
  JSON.stringify({
    ...result,
    cpuMsPerOp: Math.round((userCPUTime + systemCPUTime) / result.ops / 10) / 100,
    systemCpuMsPerOp: Math.round(systemCPUTime / result.ops / 10) / 100,
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
