import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { canListen } from '../support/listen.js';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SERVER_ARGS, type ServerProcess, baseServerEnv, startServerProcess } from '../support/server-process.js';

// The real process, as `npm start` runs it (CONTRACT.md "Running", "Configuration").

const started: ServerProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// Starting the real process (tsx, PGlite, migrations, key generation) takes seconds, and far
// longer on a loaded machine: generous limits, since a timeout here says nothing about Latchkey.
const START_TIMEOUT_MS = 90_000;
const PROCESS_TEST = { timeout: 2 * START_TIMEOUT_MS + 30_000 };

async function start(env: Record<string, string>) {
  const server = await startServerProcess(env, START_TIMEOUT_MS);
  started.push(server);
  return server;
}

async function activeKid(url: string): Promise<string[]> {
  const res = await fetch(`${url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

describe('npm start with no configuration', PROCESS_TEST, () => {
  it('is the program these tests start: the same node flags, on the compiled entry point', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const nodeFlags = SERVER_ARGS.slice(0, SERVER_ARGS.indexOf('--import'));
    // `exec`: the script's shell becomes node, so the signal npm forwards reaches the server.
    expect(pkg.scripts.start).toBe(['exec', 'node', ...nodeFlags, 'dist/start.cjs'].join(' '));
    expect(pkg.scripts.prestart).toMatch(/npm run build/); // never a stale dist/
  });

  it('serves /healthz and /readyz, with the database in ./data and a dev key in ./keys (0600); SIGTERM exits 0', async () => {
    // No DATABASE_URL and no KEY_ENCRYPTION_KEY (empty = unset): the real defaults apply.
    const server = await start({ DATABASE_URL: '', KEY_ENCRYPTION_KEY: '' });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const kek = path.join(server.cwd, 'keys', 'kek.b64');
    expect((await stat(kek)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(kek, 'utf8')).trim(), 'base64')).toHaveLength(32);
    expect((await stat(path.join(server.cwd, 'data'))).isDirectory()).toBe(true);
    // The process logs JSON lines (one per request), and says it generated a development key.
    type LogLine = { req?: { path?: string }; res?: { statusCode?: number } };
    await vi.waitFor(() => {
      const records = server.stdout.map((line) => JSON.parse(line) as LogLine);
      expect(records.some((r) => r.req?.path === '/readyz' && r.res?.statusCode === 200)).toBe(true);
    });
    expect(server.stdout.some((line) => line.includes('generated a development KEY_ENCRYPTION_KEY'))).toBe(true);

    started.splice(started.indexOf(server), 1);
    expect(await server.stop('SIGTERM')).toBe(0);
  });

  it('a second start on the same data and keys reuses the key-encryption key and the signing key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-restart-'));
    dirs.push(dir);
    const env = { KEY_ENCRYPTION_KEY: '', KEYS_DIR: path.join(dir, 'keys'), DATABASE_URL: `pglite://${path.join(dir, 'data')}` };

    const first = await start(env);
    const kids = await activeKid(first.url);
    expect(kids).toHaveLength(1);
    const kek = await readFile(path.join(dir, 'keys', 'kek.b64'), 'utf8');
    started.splice(started.indexOf(first), 1);
    expect(await first.stop()).toBe(0);

    const second = await start(env);
    expect(await activeKid(second.url)).toEqual(kids);
    expect(await readFile(path.join(dir, 'keys', 'kek.b64'), 'utf8')).toBe(kek);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(second.stdout.some((line) => line.includes('generated a development KEY_ENCRYPTION_KEY'))).toBe(false);
  });
});

/** Runs the server to its exit without expecting it to listen. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, SERVER_ARGS, {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not exit: ${stdout}${stderr}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('invalid configuration', PROCESS_TEST, () => {
  it('exits non-zero before listening, naming every bad variable on stderr', async () => {
    const { code, stdout, stderr } = await runToExit({
      ACCESS_TOKEN_TTL: 'abc',
      SIGNING_ALG: 'HS256',
      DATABASE_URL: 'pglite://memory',
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toMatch(/ACCESS_TOKEN_TTL/);
    expect(stderr).toMatch(/SIGNING_ALG/);
    expect(stdout).not.toMatch(/listening/);
  });

  it('refuses NODE_ENV=production without KEY_ENCRYPTION_KEY and with COOKIE_SECURE=false', async () => {
    const { code, stderr } = await runToExit({
      NODE_ENV: 'production',
      COOKIE_SECURE: 'false',
      ALLOW_REGISTRATION: 'false',
      DATABASE_URL: 'pglite://memory',
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/KEY_ENCRYPTION_KEY/);
    expect(stderr).toMatch(/COOKIE_SECURE/);
  });
});

describe.runIf(existsSync('/proc/self/task'))('the entry npm start runs (src/start.cts)', () => {
  /** Threads of a process that loads, through the entry, a `main.js` that runs 16 jobs on libuv's pool. */
  async function threadsWith(dir: string, poolSize: string | undefined): Promise<number> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    if (poolSize) env.UV_THREADPOOL_SIZE = poolSize;
    const child = spawn(process.execPath, [path.join(dir, 'start.cjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    await new Promise((resolve) => child.once('exit', resolve));
    return Number(stdout.trim());
  }

  it("sizes libuv's thread pool to the cores the process may use, unless UV_THREADPOOL_SIZE is set", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-entry-'));
    dirs.push(dir);
    // The entry as tsc compiles it (CommonJS), next to a stand-in for the server.
    const source = await readFile(path.join(ROOT, 'src/start.cts'), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: 'start.cts',
      compilerOptions: {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2023,
      },
    });
    await writeFile(path.join(dir, 'start.cjs'), outputText);
    await writeFile(
      path.join(dir, 'main.js'),
      `import { pbkdf2 } from 'node:crypto';
       import { readdirSync } from 'node:fs';
       await Promise.all(Array.from({ length: 16 }, () => new Promise((done) => pbkdf2('p', 's', 1000, 32, 'sha256', done))));
       console.log(readdirSync('/proc/self/task').length);`,
    );
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');

    const one = await threadsWith(dir, '1');
    expect(one).toBeGreaterThan(1);
    // Everything but the pool is the same in each run: the differences are the pool's sizes.
    expect((await threadsWith(dir, '5')) - one).toBe(4);
    expect((await threadsWith(dir, undefined)) - one).toBe(availableParallelism() - 1);
  });
});

describe('npm start and signals', PROCESS_TEST, () => {
  it('passes SIGTERM to the server: it drains and exits 0, npm exits 0, the port is free and no process is left', async () => {
    // What an operator (or a process manager) does: signal the npm process it started.
    const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-npm-start-'));
    dirs.push(dir);
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...baseServerEnv(dir),
        KEYS_DIR: path.join(dir, 'keys'),
        DATABASE_URL: `pglite://${path.join(dir, 'data')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let output = '';
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const listening = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not listen:\n${output}`)), START_TIMEOUT_MS);
      npm.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const line = output.split('\n').find((l) => l.includes('latchkey listening'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; adminPort: number });
      });
    });
    const processes = descendantsOf(npm.pid!);
    leftovers.push(...processes);
    expect(processes.length).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${listening.port}/healthz`)).status).toBe(200);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/"msg":"stopped"/); // it drained and closed the database, not killed
    expect(processes.filter(isAlive)).toEqual([]);
    await expect(canListen(listening.port)).resolves.toBe(true);
    await expect(canListen(listening.adminPort)).resolves.toBe(true);
  });
});

const ROOT = path.resolve(import.meta.dirname, '../..');

// Processes a failed run of the test above may leave behind: killed so they outlive nothing.
const leftovers: number[] = [];
afterAll(() => leftovers.filter(isAlive).forEach((pid) => process.kill(pid, 'SIGKILL')));

/** Linux: every process below `pid` (the npm script's shell, if any, and the server). */
function descendantsOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  const children = text ? text.split(/\s+/).map(Number) : [];
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
