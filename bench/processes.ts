import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Child {
  child: ChildProcess;
  url: string;
  /** The admin listener, when the process has one (Latchkey's "adminPort"). */
  adminUrl: string | undefined;
  /** Wall time from spawn to the "listening" line, and the server's own measure from its first line of code. */
  startup: { wallMs: number; readyMs: number | undefined };
  /** Highest resident set size seen since the last reset (sampled every 100 ms). */
  peakRss(): number;
  resetPeakRss(): void;
  stop(): Promise<number | null>;
}

/** Resident set size of a process in bytes (Linux /proc; elsewhere `ps`). */
async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts a node process that prints one JSON line with `port` when it listens (Latchkey's
 * "latchkey listening" log line, or the hello-world stand-in). Later stdout is drained and dropped.
 */
export async function startChild(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Child> {
  const spawned = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...threadpoolEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = await new Promise<{ port: number; adminPort?: number; readyMs?: number }>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (!line.includes('"port"')) continue;
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining the request log
        return resolve(JSON.parse(line) as { port: number; adminPort?: number; readyMs?: number });
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`${args.join(' ')} exited with ${code}\n${stderr}`)));
  });
  const wallMs = performance.now() - spawned;
  let peak = 0;
  const sampler = setInterval(() => void rssOf(child.pid!).then((rss) => (peak = Math.max(peak, rss))), 100);
  return {
    child,
    url: `http://127.0.0.1:${listening.port}`,
    adminUrl: listening.adminPort ? `http://127.0.0.1:${listening.adminPort}` : undefined,
    startup: { wallMs: Math.round(wallMs), readyMs: listening.readyMs },
    peakRss: () => peak,
    resetPeakRss: () => void (peak = 0),
    async stop() {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The thread pool size is fixed when a process starts: both sides of a comparison get the same. */
export function threadpoolEnv(): Record<string, string> {
  return process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {};
}

export const threadpoolSize = () => Number(process.env.UV_THREADPOOL_SIZE ?? 4);

export function startLatchkey(env: Record<string, string>, cwd: string): Promise<Child> {
  // What `npm start` runs: the compiled server (`npm run bench` builds it first).
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

/** The ceiling for (a): the smallest Express app answering a small JSON document. */
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
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`ceiling ${kind} failed with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { opsPerSec: number; ops: number };
}
