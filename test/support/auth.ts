import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type { Harness } from './harness.js';
import { serve } from './listen.js';

export interface ParsedCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** Every Set-Cookie of a response, parsed. */
export function setCookies(res: Response): ParsedCookie[] {
  const raw = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((line) => {
    const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      if (i === -1) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

export function refreshCookie(res: Response, name: string): ParsedCookie | undefined {
  return setCookies(res).find((c) => c.name === name);
}

let counter = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}-${process.pid}-${++counter}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export async function register(http: TestAgent, email = uniqueEmail(), password = PASSWORD) {
  const res = await http.post('/auth/register').send({ email, password });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, email, password };
}

export interface LoggedIn {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function registerAndLogin(h: Pick<Harness, 'http' | 'config'>, email = uniqueEmail()): Promise<LoggedIn> {
  const user = await register(h.http, email);
  const res = await h.http.post('/auth/login').send({ email, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = refreshCookie(res, h.config.refreshCookieName);
  if (!cookie) throw new Error('login set no refresh cookie');
  return { userId: user.id, email, password: user.password, accessToken: res.body.access_token, refreshToken: cookie.value };
}

let lastIp = 0;
/**
 * A client IP no other request of this test file used (RFC 5737 TEST-NET-2), for
 * X-Forwarded-For behind TRUST_PROXY=loopback: each test plays its own set of clients.
 */
export const newIp = () => `198.51.100.${++lastIp}`;

export function refresh(h: Pick<Harness, 'http' | 'config'>, token: string) {
  return h.http.post('/auth/refresh').set('Cookie', `${h.config.refreshCookieName}=${token}`);
}

/**
 * Fires `count` refreshes with one token at the same moment against a real listening server
 * (one connection each), so they really overlap in the database.
 */
export async function parallelRefreshes(h: Pick<Harness, 'apps' | 'config'>, token: string, count: number) {
  const server = await serve(h.apps.public);
  try {
    return await Promise.all(
      Array.from({ length: count }, async () => {
        const res = await fetch(`${server.origin}/auth/refresh`, {
          method: 'POST',
          headers: { cookie: `${h.config.refreshCookieName}=${token}`, connection: 'close' },
        });
        const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${h.config.refreshCookieName}=`));
        const value = setCookie?.split(';')[0]?.split('=')[1];
        return { status: res.status, body: (await res.json()) as Record<string, string>, cookie: value };
      }),
    );
  } finally {
    await server.close();
  }
}

/**
 * Holds the first `count` refresh statements until all of them have arrived, then lets them
 * into the database together, so that they race each other for the rotation (the worst
 * interleaving, every time). Patches the injected store instance only; production code has no
 * hook for this.
 */
export function lookupBarrier(h: Pick<Harness, 'services'>, count: number): () => void {
  const sessions = h.services.store.sessions;
  const original = sessions.presentAndRotate.bind(sessions);
  let waiting: (() => void)[] = [];
  let arrived = 0;
  sessions.presentAndRotate = async (input) => {
    if (++arrived <= count) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === count) waiting.forEach((release) => release());
      });
    }
    return original(input);
  };
  return () => {
    sessions.presentAndRotate = original;
    waiting.forEach((release) => release());
    waiting = [];
  };
}

/** Creates (or replaces) a role and gives it to the user, through the admin API. */
export async function grantRole(h: Pick<Harness, 'admin'>, userId: string, role: string, permissions: string[]) {
  const put = await h.admin.put(`/admin/roles/${role}`).send({ permissions });
  if (put.status >= 300) throw new Error(`role ${role}: ${put.status} ${JSON.stringify(put.body)}`);
  await h.admin
    .put(`/admin/users/${userId}/roles`)
    .send({ roles: [role] })
    .expect(200);
}
