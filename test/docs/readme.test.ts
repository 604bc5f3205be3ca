import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../support/listen.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

// The README's shell commands run as written, top to bottom, against a real server.
//
// Convention for README authors (also in README.md, "Writing README commands"):
//   - Every ```sh block runs, in order, in ONE bash session (`set -euo pipefail`), so a variable
//     set in one block (ACCESS_TOKEN=…) is there in the next. Each block must exit 0.
//   - A line `# => TEXT` checks the output of the commands above it (since the previous `# =>`
//     line or the start of the block): the last lines printed must match the consecutive `# =>`
//     lines, trailing spaces ignored; `…` in TEXT stands for any text. Other comments are prose.
//   - Write the public listener as `localhost:3000` and the admin listener as `localhost:3001`:
//     this test starts its server on free ports and points those at it. The blocks also get
//     ISSUER and LATCHKEY_ADMIN_URL for that server, so `npx latchkey …` finds it.
//   - A block that cannot run here is preceded by `<!-- readme-test: skip (why) -->`; the reason
//     is required. Keep these few. Snippets that are not commands use ```text, ```ts, ```json.
//   - The shell's working directory is a fresh folder under tmp/ (files like `jar` land there);
//     `npx latchkey` resolves to this checkout. Needs bash, curl and jq.

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = path.join(ROOT, 'README.md');
const PUBLIC = /\b(localhost|127\.0\.0\.1):3000\b/g;
const ADMIN = /\b(localhost|127\.0\.0\.1):3001\b/g;

interface Chunk {
  /** Shell text of this piece of the block. */
  script: string;
  /** `# =>` lines that end it (none for the block's last piece). */
  expected: string[];
}

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  chunks: Chunk[];
}

/** Every ```sh block of the README not marked skip, split at its `# =>` lines. */
function readmeBlocks(markdown: string): { blocks: Block[]; skipped: { line: number; reason: string }[] } {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const skipped: { line: number; reason: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i]!);
    const previous =
      lines
        .slice(0, start)
        .reverse()
        .find((l) => l.trim() !== '') ?? '';
    const skip = /^<!--\s*readme-test:\s*skip\s*(.*?)\s*-->$/.exec(previous.trim());
    if (skip) {
      if (!/^\(.+\)$/.test(skip[1]!))
        throw new Error(`README.md:${start + 1}: a skip needs its reason: <!-- readme-test: skip (why) -->`);
      skipped.push({ line: start + 1, reason: skip[1]! });
      continue;
    }
    blocks.push({ line: start + 1, chunks: chunksOf(body) });
  }
  return { blocks, skipped };
}

function chunksOf(body: string[]): Chunk[] {
  const chunks: Chunk[] = [];
  let script: string[] = [];
  let expected: string[] = [];
  for (const line of body) {
    const expectation = /^#\s*=>\s?(.*)$/.exec(line);
    if (expectation) {
      expected.push(expectation[1]!);
      continue;
    }
    if (expected.length) {
      chunks.push({ script: script.join('\n'), expected });
      script = [];
      expected = [];
    }
    script.push(line);
  }
  chunks.push({ script: script.join('\n'), expected });
  return chunks;
}

/** `…` is any text; the rest is literal; the whole line must match. */
function linePattern(expected: string): RegExp {
  const source = expected
    .trimEnd()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

const MARK = '\u001e';

interface Ports {
  public: number;
  admin: number;
}

/** The README's localhost:3000 and :3001, on the test server's ports. */
const onPorts = (text: string, ports: Ports) =>
  text.replace(PUBLIC, `localhost:${ports.public}`).replace(ADMIN, `localhost:${ports.admin}`);

/** One bash script for all blocks; each piece's output follows a marker naming it. */
function scriptFor(blocks: Block[], ports: Ports): string {
  const pieces = blocks.flatMap((block, b) =>
    block.chunks.map((chunk, c) => `printf '\\n${MARK}${b}.${c}${MARK}'\n${onPorts(chunk.script, ports)}`),
  );
  return ['set -euo pipefail', ...pieces, `printf '\\n${MARK}end${MARK}'`, ''].join('\n');
}

interface Run {
  code: number | null;
  /** Output of each piece, by "block.chunk"; a piece that never started is missing. */
  outputs: Map<string, string>;
  stderr: string;
}

function runBash(script: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const parts = stdout.split(MARK);
      const outputs = new Map<string, string>();
      for (let i = 1; i < parts.length; i += 2) outputs.set(parts[i]!, parts[i + 1] ?? '');
      resolve({ code, outputs, stderr });
    });
  });
}

const { blocks, skipped } = readmeBlocks(readFileSync(README, 'utf8'));
const RUN_TIMEOUT_MS = 300_000;

describe('README.md commands, run top to bottom as written', { timeout: RUN_TIMEOUT_MS + 120_000 }, () => {
  let server: ServerProcess | undefined;
  let shellDir: string | undefined;
  let run: Run;
  let ports: Ports;

  beforeAll(async () => {
    ports = { public: await freePort(), admin: await freePort() };
    const issuer = `http://localhost:${ports.public}`;
    // As `npm start` with no configuration (development, Secure cookies, a generated dev key),
    // except for the ports, on a fresh embedded database of its own.
    server = await startServerProcess(
      {
        NODE_ENV: 'development',
        COOKIE_SECURE: '',
        KEY_ENCRYPTION_KEY: '',
        HOST: '127.0.0.1',
        PORT: String(ports.public),
        ADMIN_PORT: String(ports.admin),
        ISSUER: issuer,
      },
      90_000,
    );
    await mkdir(path.join(ROOT, 'tmp'), { recursive: true });
    shellDir = await mkdtemp(path.join(ROOT, 'tmp', 'readme-'));
    run = await runBash(
      scriptFor(blocks, ports),
      shellDir,
      {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? shellDir,
        LANG: 'C.UTF-8',
        ISSUER: issuer,
        LATCHKEY_ADMIN_URL: `http://127.0.0.1:${ports.admin}`,
      },
      RUN_TIMEOUT_MS,
    );
  }, RUN_TIMEOUT_MS + 100_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    if (shellDir) await rm(shellDir, { recursive: true, force: true });
  });

  it('has blocks to run, and few skipped ones, each with its reason', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(skipped.length).toBeLessThanOrEqual(6);
  });

  it.each(blocks.map((block, index) => ({ ...block, index })))(
    'block at README.md:$line exits 0 and prints what the README shows',
    ({ index, chunks }) => {
      const failure = `bash exited ${run.code}; stderr:\n${run.stderr.slice(-3000)}\nserver stderr:\n${server?.stderr.join('').slice(-2000)}`;
      chunks.forEach((chunk, c) => {
        const output = run.outputs.get(`${index}.${c}`);
        expect(output, `never reached:\n${chunk.script}\n${failure}`).toBeDefined();
        const next = c + 1 < chunks.length ? `${index}.${c + 1}` : index + 1 < blocks.length ? `${index + 1}.0` : 'end';
        expect(run.outputs.has(next), `failed in:\n${chunk.script}\noutput:\n${output}\n${failure}`).toBe(true);
        if (!chunk.expected.length) return;
        const printed = output!.trimEnd().split('\n').slice(-chunk.expected.length);
        const mismatch = chunk.expected.findIndex(
          (line, i) => !linePattern(onPorts(line, ports)).test((printed[i] ?? '').trimEnd()),
        );
        expect(mismatch, `after:\n${chunk.script}\nexpected:\n${chunk.expected.join('\n')}\ngot:\n${output}`).toBe(-1);
      });
    },
  );
});
