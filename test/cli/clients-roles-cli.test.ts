import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { type Run, cli, expectOneLineError } from './run-cli.js';

// `latchkey clients …`, `latchkey roles …` and `latchkey users roles` against a real server.

const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';

describe('clients and roles commands', () => {
  let server: ServerProcess;
  let admin: (args: string[]) => Promise<Run>;

  beforeAll(async () => {
    server = await startServerProcess({ ADMIN_TOKEN });
    admin = (args) => cli([...args, '--url', server.adminUrl], { ADMIN_TOKEN });
  }, 60_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  const token = (id: string, secret: string) =>
    fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });

  it('clients create (repeatable --grant/--scope), list, show, rotate-secret --grace, delete', async () => {
    const created = await admin([
      'clients',
      'create',
      '--name',
      'billing',
      '--type',
      'confidential',
      '--grant',
      'client_credentials',
      '--scope',
      'invoices:read',
      '--scope',
      'invoices:write',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string; scopes: string[] };
    expect(client.scopes).toEqual(['invoices:read', 'invoices:write']);
    expect((await token(client.client_id, client.client_secret)).status).toBe(200);

    const human = await admin(['clients', 'create', '--name', 'cli app', '--type', 'public', '--grant', 'refresh_token']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^client_id: +lkc_/m);
    expect(human.stdout).not.toMatch(/secret/);

    const list = await admin(['clients', 'list']);
    expect(list.stdout).toContain(client.client_id);
    expect(list.stdout).not.toContain(client.client_secret);
    expect((await admin(['clients', 'show', client.client_id])).stdout).toMatch(/scopes: +invoices:read invoices:write/);

    const rotated = await admin(['clients', 'rotate-secret', client.client_id, '--grace', '300', '--json']);
    const { client_secret: next } = JSON.parse(rotated.stdout) as { client_secret: string };
    expect((await token(client.client_id, client.client_secret)).status).toBe(200); // within the grace period
    expect((await token(client.client_id, next)).status).toBe(200);

    expect((await admin(['clients', 'delete', client.client_id])).stdout).toBe(`deleted client ${client.client_id}\n`);
    expect((await token(client.client_id, next)).status).toBe(401);
    expectOneLineError(await admin(['clients', 'delete', client.client_id]), 1, /^latchkey: not_found: /);
  });

  it('roles set (repeatable --permission), list, users roles, delete; an unknown role is a one-line error naming it', async () => {
    expect((await admin(['users', 'create', '--email', 'ada@example.com', '--password', PASSWORD])).code).toBe(0);
    const set = await admin(['roles', 'set', 'support', '--permission', 'tickets:read', '--permission', 'tickets:write']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('role support: tickets:read tickets:write\n');
    expect((await admin(['roles', 'list'])).stdout).toMatch(/support +tickets:read tickets:write/);

    const assigned = await admin(['users', 'roles', '--email', 'ada@example.com', '--role', 'support']);
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(assigned.stdout).toBe('ada@example.com: roles support; permissions tickets:read tickets:write\n');
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ roles: ['support'], scope: 'tickets:read tickets:write' });

    expectOneLineError(
      await admin(['users', 'roles', '--email', 'ada@example.com', '--role', 'ghost']),
      1,
      /invalid_request: .*ghost/,
    );
    expect((await admin(['roles', 'delete', 'support'])).stdout).toBe('deleted role support\n');
    expectOneLineError(await admin(['roles', 'delete', 'support']), 1, /^latchkey: not_found: /);
  });
});
