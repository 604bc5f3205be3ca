// The login scenario's raw ceiling, in its own process so nothing else shares its event loop or
// thread pool: argon2id verifications per second with Latchkey's configured parameters.
// `concurrency` operations are kept in flight (like the benchmark's connections), and the
// libuv thread pool is the same size as the server's (UV_THREADPOOL_SIZE from the parent).
import * as argon2 from 'argon2';
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

if (kind !== 'argon2') throw new Error('usage: ceilings.ts argon2');
const result = await argon2Ceiling();
console.log(JSON.stringify(result));
