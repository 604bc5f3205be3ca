import type { LatchkeyProcess } from './processes.js';

// What the bench does to Latchkey as a client, shared by run.ts and profile.ts.

export const COOKIE = '__Secure-lk_rt';
export const EMAIL = 'bench@example.com';
export const PASSWORD = 'a long bench passphrase';

export async function json(url: string, init: RequestInit = {}): Promise<{ body: unknown; res: Response }> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return { body: await res.json(), res };
}

/** The bench user, made as a production deployment makes users (registration off): the admin API. */
export async function createBenchUser(server: LatchkeyProcess): Promise<void> {
  await json(`${server.adminUrl}/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
}

/** The login scenario's accounts: one per load-generator connection (`bench-<n>@example.com`). */
export const loginEmail = (n: number) => `bench-${n}@example.com`;

/**
 * `count` more users with the bench password, one per connection of the login scenario: many users
 * logging in at once, as a deployment sees, rather than 64 connections on one account (whose
 * brute-force guard, src/limits/attempt-guard.ts, rightly refuses that many attempts in flight).
 */
export async function createLoginAccounts(server: LatchkeyProcess, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, n) => loginEmail(n));
  for (let i = 0; i < count; i += 8) {
    await Promise.all(
      emails.slice(i, i + 8).map((email) =>
        json(`${server.adminUrl}/admin/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
          body: JSON.stringify({ email, password: PASSWORD }),
        }),
      ),
    );
  }
  return emails;
}

/** Logs in `count` times (each from its own client address): the starts of `count` refresh chains. */
export async function latchkeySessions(
  server: LatchkeyProcess,
  count: number,
  address: () => string,
): Promise<{ tokens: string[]; accessToken: string }> {
  const tokens: string[] = [];
  let accessToken = '';
  const one = async () => {
    const { body, res } = await json(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address() },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    accessToken = (body as { access_token: string }).access_token;
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    tokens.push(cookie.slice(COOKIE.length + 1, cookie.indexOf(';')));
  };
  for (let i = 0; i < count; i += 8) await Promise.all(Array.from({ length: Math.min(8, count - i) }, one));
  return { tokens, accessToken };
}
