import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readMigrationList } from '../../src/store/schema-engine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { type Run, cli, expectOneLineError, lastLine } from './run-cli.js';
import { freePort } from '../support/listen.js';

// The real `latchkey` binary (bin/latchkey.mjs) against a real server process: exit codes,
// one-line errors, --json output (CONTRACT "Admin API and CLI").

const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';

describe('against a running server (ADMIN_TOKEN set)', () => {
  let server: ServerProcess;
  let admin: (args: string[], env?: Record<string, string>) => Promise<Run>;
  let jwksUrl: string;

  beforeAll(async () => {
    // ISSUER is where the server really listens: its tokens' status list URIs must be reachable.
    const port = await freePort();
    server = await startServerProcess({ ADMIN_TOKEN, PORT: String(port), ISSUER: `http://127.0.0.1:${port}` });
    admin = (args, env = {}) => cli([...args, '--url', server.adminUrl], { ADMIN_TOKEN, ...env });
    jwksUrl = `${server.url}/.well-known/jwks.json`;
  }, 60_000);
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  async function login(email: string) {
    const res = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }
  const me = (token: string) => fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });

  it('users create: creates the user, then refuses the same email with one line and exit 1', async () => {
    const created = await admin(['users', 'create', '--email', 'Ada@Example.com', '--password', PASSWORD]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created user ada@example\.com \(id [0-9a-f-]{36}\)\n$/);
    expect(created.stderr).toBe('');
    await login('ada@example.com');

    const again = await admin(['users', 'create', '--email', 'ada@example.com', '--password', PASSWORD]);
    expectOneLineError(again, 1, /^latchkey: email_taken: /);
    expect(again.stdout).toBe('');
  });

  it('finds the admin API at LATCHKEY_ADMIN_URL when --url is not given; --url wins over it', async () => {
    const listed = await cli(['keys', 'list', '--json'], { ADMIN_TOKEN, LATCHKEY_ADMIN_URL: server.adminUrl });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).keys.length).toBeGreaterThanOrEqual(1);
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expect((await admin(['keys', 'list'], { LATCHKEY_ADMIN_URL: nowhere })).code).toBe(0);
    expectOneLineError(await cli(['keys', 'list'], { ADMIN_TOKEN, LATCHKEY_ADMIN_URL: 'ftp://x' }), 2, /LATCHKEY_ADMIN_URL/);
  });

  it('users create --json prints {id, email}; a bad password is a one-line invalid_request', async () => {
    const run = await admin(['users', 'create', '--email', 'grace@example.com', '--password', PASSWORD, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: expect.any(String), email: 'grace@example.com' });
    expectOneLineError(
      await admin(['users', 'create', '--email', 'x@example.com', '--password', 'short']),
      1,
      /invalid_request: password/,
    );
  });

  it('users revoke-sessions: ends every session of the user; their tokens fail /auth/me', async () => {
    await admin(['users', 'create', '--email', 'linus@example.com', '--password', PASSWORD]);
    const tokens = [await login('linus@example.com'), await login('linus@example.com')];
    const run = await admin(['users', 'revoke-sessions', '--email', 'linus@example.com']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('revoked 2 sessions of linus@example.com\n');
    for (const token of tokens) expect((await me(token)).status).toBe(401);

    const json = await admin(['users', 'revoke-sessions', '--email', 'linus@example.com', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ id: expect.any(String), email: 'linus@example.com', revoked: 0 });
    expectOneLineError(await admin(['users', 'revoke-sessions', '--email', 'nobody@example.com']), 1, /^latchkey: not_found: /);
  });

  // Each CLI run starts a node process (~2 s on a loaded machine): these tests get more time.
  it('users reset-password: prints a single-use token that sets the password once', async () => {
    await admin(['users', 'create', '--email', 'barbara@example.com', '--password', PASSWORD]);
    const token = await login('barbara@example.com');

    const reset = await admin(['users', 'reset-password', '--email', 'barbara@example.com']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^reset token for barbara@example\.com \(single use, valid until \S+Z\):\n[A-Za-z0-9_-]{43}\n$/);
    const resetToken = reset.stdout.trimEnd().split('\n')[1]!;
    const redeemed = await fetch(`${server.url}/auth/password/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reset_token: resetToken, new_password: `${PASSWORD}!` }),
    });
    expect(redeemed.status).toBe(204);
    expect((await me(token)).status).toBe(401);
    const json = JSON.parse((await admin(['users', 'reset-password', '--email', 'barbara@example.com', '--json'])).stdout);
    expect(json).toEqual({
      id: expect.any(String),
      email: 'barbara@example.com',
      reset_token: expect.any(String),
      expiresAt: expect.any(String),
    });
  }, 120_000);

  it('users disable, enable, list and delete', async () => {
    const disabled = await admin(['users', 'disable', '--email', 'barbara@example.com']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toBe('disabled barbara@example.com; revoked 0 sessions\n');
    const listed = await admin(['users', 'list']);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+EMAIL\s+CREATED\s+STATUS$/);
    expect(listed.stdout).toMatch(/barbara@example\.com\s+\S+\s+disabled\n/);
    const enabled = await admin(['users', 'enable', '--email', 'barbara@example.com', '--json']);
    expect(JSON.parse(enabled.stdout)).toMatchObject({ email: 'barbara@example.com', disabled: false });

    const all = JSON.parse((await admin(['users', 'list', '--json'])).stdout) as { users: { email: string }[] };
    expect(all.users.map((u) => u.email)).toContain('barbara@example.com');
    const one = JSON.parse((await admin(['users', 'list', '--limit', '1', '--json'])).stdout) as { users: unknown[] };
    expect(one.users).toHaveLength(1);

    const deleted = await admin(['users', 'delete', '--email', 'barbara@example.com']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted barbara@example\.com \(id [0-9a-f-]{36}\)\n$/);
    expectOneLineError(await admin(['users', 'delete', '--email', 'barbara@example.com']), 1, /^latchkey: not_found: /);
    expectOneLineError(await admin(['users', 'list', '--limit', '0']), 2, /--limit/);
  }, 120_000);

  it('keys list, rotate, rotate --now and revoke', async () => {
    const listed = await admin(['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    const { keys } = JSON.parse(listed.stdout) as { keys: { kid: string; state: string; alg: string }[] };
    expect(keys.map((k) => k.state)).toEqual(['active']);
    const first = keys[0]!.kid;

    const rotated = await admin(['keys', 'rotate', '--json']);
    expect(JSON.parse(rotated.stdout)).toEqual({ kid: expect.any(String), alg: 'ES256', state: 'pending' });
    const now = await admin(['keys', 'rotate', '--now']);
    expect(now.stdout).toMatch(/^rotated: ES256 key \S+ signs now; the previous key is retired\n$/);
    const active = /key (\S+) signs now/.exec(now.stdout)![1]!;

    const table = await admin(['keys', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^KID\s+ALG\s+STATE\s+ACTIVATES\s+RETIRES$/);
    expect(table.stdout).toMatch(new RegExp(`${first}\\s+ES256\\s+retired`));
    expect(table.stdout).toMatch(new RegExp(`${active}\\s+ES256\\s+active`));

    const token = await login('ada@example.com');
    const revoked = await admin(['keys', 'revoke', active]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked key ${active}\n`);
    expect((await me(token)).status).toBe(401);

    // token inspect names exactly why that token is now refused.
    const inspect = await cli(['token', 'inspect', token, '--jwks', jwksUrl]);
    expect(inspect.code).toBe(1);
    expect(lastLine(inspect.stdout)).toBe(`invalid: unknown or revoked kid ${active}: not in ${jwksUrl}`);

    expectOneLineError(
      await admin(['keys', 'revoke', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']),
      1,
      /^latchkey: not_found: /,
    );
    // A kid may begin with "-" (base64url): it reaches the server as the kid, not as an option.
    expectOneLineError(
      await admin(['keys', 'revoke', '-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']),
      1,
      /^latchkey: not_found: /,
    );
    expectOneLineError(await admin(['keys', 'revoke', '--bogus']), 2, /^latchkey: unknown option '--bogus'/);
  }, 120_000);

  it('token inspect: a fresh token is valid (exit 0), with its times as dates', async () => {
    const token = await login('ada@example.com');
    const run = await cli(['token', 'inspect', token, '--jwks', jwksUrl]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lastLine(run.stdout)).toBe('valid');
    expect(run.stdout).toMatch(/^exp: \d{4}-\d\d-\d\dT[\d:.]+Z \(expires in (9m \d+s|10m)\)$/m);
    expect(run.stdout).toMatch(/^iat: \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+s ago\)$/m);
    expect(run.stdout).toContain('"typ": "at+jwt"');
    // Expectations from the server's own metadata; the token looked up in its status list.
    expect(run.stdout).toContain(`expected iss: "${server.url}" (from ${server.url}/.well-known/oauth-authorization-server)`);
    expect(run.stdout).toMatch(new RegExp(`^status: valid \\(index \\d+ of ${server.url}/statuslists/1\\)$`, 'm'));

    const json = JSON.parse((await cli(['token', 'inspect', token, '--jwks', jwksUrl, '--json'])).stdout);
    expect(json).toMatchObject({ valid: true, header: { typ: 'at+jwt', alg: 'ES256' }, claims: { aud: 'api' } });
    expect(json.times.map((t: { claim: string }) => t.claim)).toEqual(['iat', 'exp']);
  });

  it('ADMIN_TOKEN: missing or wrong is a one-line invalid_token and exit 1', async () => {
    expectOneLineError(await admin(['keys', 'list'], { ADMIN_TOKEN: '' }), 1, /^latchkey: invalid_token: /);
    expectOneLineError(
      await admin(['keys', 'list'], { ADMIN_TOKEN: 'wrong-token-wrong-token' }),
      1,
      /^latchkey: invalid_token: /,
    );
  });
});

describe('without a server', () => {
  it('--help exits 0 for the program and for every command', async () => {
    for (const args of [
      ['--help'],
      ['users', 'create', '--help'],
      ['keys', 'rotate', '--help'],
      ['token', 'inspect', '--help'],
      ['migrate', '--help'],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: latchkey/);
    }
  });

  it('usage errors exit 2 with one line: unknown command, missing option, bad --url', async () => {
    expectOneLineError(await cli(['frobnicate']), 2, /^latchkey: unknown command 'frobnicate'/);
    expectOneLineError(await cli(['users', 'create', '--email', 'a@b.example']), 2, /--password/);
    expectOneLineError(await cli(['keys', 'list', '--url', 'ftp://example.com']), 2, /--url/);
  });

  it('an unreachable server is one line and exit 1', async () => {
    const port = await freePort();
    const run = await cli(['keys', 'list', '--url', `http://127.0.0.1:${port}`]);
    expectOneLineError(run, 1, new RegExp(`^latchkey: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });
});

describe('migrate', () => {
  it('applies the migrations to DATABASE_URL, then reports nothing pending', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-cli-migrate-'));
    try {
      const env = { DATABASE_URL: `pglite://${dir}` };
      const first = await cli(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      const names = (await readMigrationList()).migrationDirectories.map((d) => d.path);
      expect(names[0]).toMatch(/^\d{14}_init$/);
      expect(first.stdout).toBe(`applied ${names.length} migrations:\n${names.map((n) => `  ${n}\n`).join('')}`);
      const second = await cli(['migrate', '--json'], env);
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names a bad DATABASE_URL in one line, exit 1', async () => {
    expectOneLineError(
      await cli(['migrate'], { DATABASE_URL: 'mysql://x' }),
      1,
      /^latchkey: invalid configuration: DATABASE_URL: /,
    );
  });
});
