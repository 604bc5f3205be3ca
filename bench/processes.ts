import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const MB = 1024 * 1024;

export interface Child {
  child: ChildProcess;
  url: string;
  /** The admin listener, when the process has one (Latchkey's "adminPort"). */
  adminUrl: string | undefined;
  /** The JSON line the process printed when it listened (port, and for Latchkey its phases). */
  ready: Record<string, unknown>;
  /** Wall time from spawn to the "listening" line, and the server's own measure from its first line of code. */
  startup: { wallMs: number; readyMs: number | undefined };
  /** Highest resident set size seen since the last reset, in MB (sampled every 100 ms). */
  peakRssMb(): number;
  resetPeakRss(): void;
  /** Resident set size now, in MB. */
  rssMb(): Promise<number>;
  stop(): Promise<number | null>;
}

/** Resident set size of a process in bytes (Linux /proc). */
async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0;
  }
}

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

/**
 * Starts a node process that prints one JSON line with `port` when it listens (Latchkey's
 * "latchkey listening" log line, or a peer's). Later stdout is drained and dropped.
 */
export async function startChild(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Child> {
  const spawned = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...threadpoolEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (!line.includes('"port"')) continue;
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining the request log
        return resolve(JSON.parse(line) as Record<string, unknown>);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`${args.join(' ')} exited with ${code}\n${stderr}`)));
  });
  const wallMs = performance.now() - spawned;
  let peak = 0;
  const sampler = setInterval(() => void rssOf(child.pid!).then((rss) => (peak = Math.max(peak, rss))), 100);
  return {
    child,
    url: `http://127.0.0.1:${ready.port as number}`,
    adminUrl: ready.adminPort ? `http://127.0.0.1:${ready.adminPort as number}` : undefined,
    ready,
    startup: { wallMs: Math.round(wallMs), readyMs: ready.readyMs as number | undefined },
    peakRssMb: () => mb(peak),
    resetPeakRss: () => void (peak = 0),
    rssMb: async () => mb(await rssOf(child.pid!)),
    async stop() {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The thread pool size is fixed when a process starts: every side of a comparison gets the same.
 * Unset, it is the machine's core count, as docs/performance.md and the Docker image recommend.
 */
export const threadpoolSize = () => Number(process.env.UV_THREADPOOL_SIZE ?? os.availableParallelism());

export function threadpoolEnv(): Record<string, string> {
  return { UV_THREADPOOL_SIZE: String(threadpoolSize()) };
}

/** What `npm start` runs, read from package.json: its node flags, on the compiled entry point. */
export async function npmStartArgs(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  // `exec node …`: the shell hands over to node, so signals reach the server (package.json).
  const words = pkg.scripts.start.split(/\s+/).filter((word, i) => !(i === 0 && word === 'exec'));
  if (words[0] !== 'node' || words.at(-1) !== 'dist/start.cjs') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return [...words.slice(1, -1), path.join(ROOT, 'dist/start.cjs')];
}

export interface LatchkeyProcess extends Child {
  adminUrl: string;
  adminToken: string;
}

/**
 * The compiled server with production settings the caller completes (the fault scripts: two
 * instances on one database, registration on, limits off unless `env` says otherwise).
 */
export function startServer(env: Record<string, string>, cwd: string): Promise<Child> {
  return startChild(
    ['--wasm-lazy-compilation', path.join(ROOT, 'dist/main.js')],
    {
      NODE_ENV: 'production',
      ISSUER: 'https://bench.example',
      ALLOW_REGISTRATION: 'true',
      COOKIE_SECURE: 'true',
      RATE_LIMIT: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_PORT: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      ...env,
    },
    cwd,
  );
}

/**
 * Latchkey as a production deployment runs it: `npm start`'s program and flags, NODE_ENV=production
 * with what production requires (KEY_ENCRYPTION_KEY, https ISSUER, an explicit ALLOW_REGISTRATION,
 * secure cookies) and what it should have (ADMIN_TOKEN; behind one proxy, TRUST_PROXY=1), rate
 * limits and the request log at their defaults. Registration is off: users come from the admin API.
 * `rateLimit: false` is the second line of the report only.
 */
export async function startLatchkey(
  env: Record<string, string>,
  cwd: string,
  options: {
    rateLimit: boolean;
    nodeArgs?: string[];
    /** Another build's entry (bench/ab.ts); default this checkout's dist/start.cjs. */ entry?: string;
  },
): Promise<LatchkeyProcess> {
  const adminToken = env.ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  const args = await npmStartArgs();
  if (options.entry) args[args.length - 1] = options.entry;
  const extra = [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeArgs ?? [])];
  const child = await startChild(
    [...args.slice(0, -1), ...extra, args.at(-1)!],
    {
      NODE_ENV: 'production',
      ISSUER: 'https://bench.example',
      ALLOW_REGISTRATION: 'false',
      ADMIN_TOKEN: adminToken,
      TRUST_PROXY: '1',
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_PORT: '0',
      ...(options.rateLimit ? {} : { RATE_LIMIT: 'false' }),
      ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
      ...env,
    },
    cwd,
  );
  return { ...child, adminUrl: `http://127.0.0.1:${child.ready.adminPort as number}`, adminToken };
}

/**
 * A peer server from bench/peers/, plain JavaScript run by plain node (no loader in its memory),
 * with NODE_ENV=production like Latchkey.
 */
export function startPeer(script: string, env: Record<string, string>): Promise<Child> {
  return startChild([path.join(ROOT, 'bench/peers', script)], { NODE_ENV: 'production', ...env });
}

/** The JWKS reference: the smallest Express app answering a small JSON document. */
export function startHelloWorld(): Promise<Child> {
  const source = `
    import express from 'express';
    const app = express();
    app.disable('x-powered-by');
    app.get('/', (_req, res) => res.json({ hello: 'world' }));
    const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));`;
  return startChild(['--input-type=module', '-e', source], {});
}

/** Runs a ceiling script (bench/ceilings.ts) in its own process and returns what it printed. */
export async function runCeiling(
  kind: 'argon2' | 'es256',
  env: Record<string, string>,
): Promise<{ opsPerSec: number; ops: number }> {
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'bench/ceilings.ts'), kind], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...threadpoolEnv(), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`ceiling ${kind} failed with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { opsPerSec: number; ops: number };
}
