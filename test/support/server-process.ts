import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = path.resolve(import.meta.dirname, '../..');
// `npm start` runs the compiled server (`node --wasm-lazy-compilation --max-old-space-size=128 dist/start.cjs`,
// which sizes libuv's thread pool and loads dist/main.js). Tests run the same program from its
// sources, with the same flags, so they never test a stale build (the entry's pool sizing has its
// own test in test/process/start.test.ts); from another cwd tsx must be named by path.
export const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
export const SERVER_ARGS = [
  '--wasm-lazy-compilation',
  '--max-old-space-size=128',
  '--import',
  TSX_LOADER,
  path.join(ROOT, 'src/main.ts'),
];

export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> of the public listener. */
  url: string;
  /** http://127.0.0.1:<port> of the admin listener. */
  adminUrl: string;
  /** Every stdout line so far (JSON log lines). */
  stdout: string[];
  stderr: string[];
  /** Working directory of the process (a fresh temp dir: data/ and keys/ land there). */
  cwd: string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

// Servers still running when this test worker exits (a failed or interrupted test that never
// reached stop()) are killed with it, so no orphaned server outlives the suite.
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** What every server process a test starts gets: a clean environment, loopback, OS-chosen ports. */
export function baseServerEnv(cwd: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? cwd,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
  };
}

/**
 * Starts the real server (SERVER_ARGS: what `npm start` runs, from source) in a temp
 * working directory with PORT=0 and ADMIN_PORT=0, and resolves once it logged
 * "latchkey listening" with the bound ports. Uses an embedded PGlite in that directory
 * unless `env.DATABASE_URL` says otherwise. Always call stop().
 */
export async function startServerProcess(env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServerProcess> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'latchkey-proc-'));
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd,
    env: {
      ...baseServerEnv(cwd),
      COOKIE_SECURE: 'false',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: `pglite://${path.join(cwd, 'data')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms\n${stderr.join('\n')}`)), timeoutMs);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        if (!line.includes('latchkey listening')) continue;
        const record = JSON.parse(line) as { port: number; adminPort: number };
        clearTimeout(timer);
        resolve({ port: record.port, adminPort: record.adminPort });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stderr.join('')}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${ports.port}`,
    adminUrl: `http://127.0.0.1:${ports.adminPort}`,
    stdout,
    stderr,
    cwd,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      await rm(cwd, { recursive: true, force: true });
      return code;
    },
  };
}
