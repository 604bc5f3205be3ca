import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import type { SecurityEventType } from '../../src/store/security-events.js';
import { PASSWORD, refresh, refreshCookie, register, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// Security events go to the security_events table AND one JSON log line each, both carrying
// the request id (OWASP Logging Cheat Sheet: authentication successes and failures, session
// management events; never secrets).

let h: Harness;
let seq = 0;
const requestId = (label: string) => `${label}-${++seq}`;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** The one row and the one log line for this request id and type. */
async function eventFor(type: SecurityEventType, id: string) {
  const rows = (await h.services.store.events.list({ type })).filter((e) => e.requestId === id);
  const lines = h.logs.records().filter((l) => l.securityEvent === type && l.requestId === id);
  expect(rows).toHaveLength(1);
  expect(lines).toHaveLength(1);
  return { row: rows[0]!, line: lines[0]! };
}

describe('security events: a row and a log line with the request id', () => {
  it('login success', async () => {
    const user = await register(h.http);
    const id = requestId('login-ok');
    const res = await h.http
      .post('/auth/login')
      .set('X-Request-Id', id)
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    expect(res.headers['x-request-id']).toBe(id);
    const { row, line } = await eventFor('login_succeeded', id);
    expect(row).toMatchObject({ userId: user.id, sessionId: expect.any(String), ip: expect.any(String) });
    expect(line).toMatchObject({ userId: user.id, sessionId: row.sessionId });
  });

  /** A login with the wrong password (401); with `id` as its X-Request-Id, so its event can be found. */
  const wrongPassword = (email: string, id?: string) =>
    h.http
      .post('/auth/login')
      .set(id ? { 'X-Request-Id': id } : {})
      .send({ email, password: 'not the password' })
      .expect(401);

  it('login failure: wrong password names the user, unknown email does not', async () => {
    const user = await register(h.http);
    const wrong = requestId('login-wrong');
    await wrongPassword(user.email, wrong);
    const { row: wrongRow } = await eventFor('login_failed', wrong);
    expect(wrongRow).toMatchObject({ userId: user.id, details: { reason: 'wrong_password' } });

    const unknown = requestId('login-unknown');
    await h.http.post('/auth/login').set('X-Request-Id', unknown).send({ email: uniqueEmail(), password: PASSWORD }).expect(401);
    const { row: unknownRow, line } = await eventFor('login_failed', unknown);
    expect(unknownRow).toMatchObject({ userId: null, details: { reason: 'unknown_email' } });
    expect(line.details).toEqual({ reason: 'unknown_email' });
  });

  it('lockout', async () => {
    const user = await register(h.http);
    for (let i = 0; i < 4; i++) await wrongPassword(user.email);
    const id = requestId('login-locking');
    await wrongPassword(user.email, id);
    const { row, line } = await eventFor('login_locked', id);
    expect(row).toMatchObject({ userId: user.id, details: { scope: 'email_ip', seconds: 300, lockouts: 1 } });
    expect(line.details).toEqual(row.details);
  });

  it('refresh reuse detected: session id and both token ids, never the tokens', async () => {
    const user = await registerAndLogin(h);
    const rotated = await refresh(h, user.refreshToken).expect(200);
    const successor = refreshCookie(rotated, h.config.refreshCookieName)!.value;
    h.clock.advance(h.config.refreshReuseInterval + 1);
    const id = requestId('reuse');
    await refresh(h, user.refreshToken).set('X-Request-Id', id).expect(401);

    const { row, line } = await eventFor('refresh_reuse_detected', id);
    const tokens = await h.database.db.prisma.refreshToken.findMany({ where: { sessionId: row.sessionId! } });
    const first = tokens.find((t) => t.successorId !== null);
    const second = tokens.find((t) => t.id === first?.successorId);
    expect(row).toMatchObject({ userId: user.userId, sessionId: expect.any(String) });
    expect(row.details).toMatchObject({ presentedTokenId: first!.id, newestTokenId: second!.id });
    expect(line).toMatchObject({ sessionId: row.sessionId, details: row.details });
    for (const secret of [user.refreshToken, successor, first!.tokenHash, second!.tokenHash]) {
      expect(JSON.stringify({ ...row, id: String(row.id) })).not.toContain(secret);
      expect(JSON.stringify(line)).not.toContain(secret);
    }
  });

  it('logout', async () => {
    const user = await registerAndLogin(h);
    const id = requestId('logout');
    await h.http
      .post('/auth/logout')
      .set('X-Request-Id', id)
      .set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`)
      .expect(204);
    const { row, line } = await eventFor('logout', id);
    expect(row).toMatchObject({ userId: user.userId, sessionId: expect.any(String) });
    expect(line.sessionId).toBe(row.sessionId);
  });

  it('logout-all', async () => {
    const user = await registerAndLogin(h);
    await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    const id = requestId('logout-all');
    await h.http.post('/auth/logout-all').set('X-Request-Id', id).set('Authorization', `Bearer ${user.accessToken}`).expect(204);
    const { row, line } = await eventFor('logout_all', id);
    expect(row).toMatchObject({ userId: user.userId, sessionId: expect.any(String) });
    expect(line).toMatchObject({ userId: user.userId, details: { revoked: 2 } });
  });
});

describe('request ids: every log line a request writes carries its id', () => {
  /** The log lines written while `run` was in flight (nothing else logs in this file meanwhile). */
  async function linesDuring(run: () => PromiseLike<unknown>) {
    const from = h.logs.lines.length;
    await run();
    return h.logs.records().slice(from);
  }
  const idOf = (line: Record<string, unknown>) => line.requestId;

  it('takes X-Request-Id from the caller and puts it on the request line and every security event line', async () => {
    const user = await register(h.http);
    const id = requestId('every-line');
    let res: Response | undefined;
    const lines = await linesDuring(async () => {
      for (let i = 0; i < 5; i++) {
        // The fifth failure also locks the pair: a second security event line in one request.
        res = await h.http
          .post('/auth/login')
          .set('X-Request-Id', id)
          .send({ email: user.email, password: 'not the password' })
          .expect(401);
      }
    });
    expect(res!.headers['x-request-id']).toBe(id);
    expect(lines.map((l) => l.securityEvent ?? l.msg)).toEqual([
      ...Array.from({ length: 4 }, () => ['login_failed', 'request completed']).flat(),
      'login_failed',
      'login_locked',
      'request completed',
    ]);
    for (const line of lines) expect(idOf(line), JSON.stringify(line)).toBe(id);
    expect(lines.at(-1)).toMatchObject({ req: { id, method: 'POST', path: '/auth/login' }, res: { statusCode: 401 } });
  });

  it('generates an id when the caller sends none or an unusable one, and uses it everywhere', async () => {
    for (const incoming of [undefined, 'has spaces and ; semicolons', 'x'.repeat(129)]) {
      const user = await registerAndLogin(h);
      let res: Response | undefined;
      const lines = await linesDuring(async () => {
        const request = h.http.post('/auth/logout-all').set('Authorization', `Bearer ${user.accessToken}`);
        res = await (incoming === undefined ? request : request.set('X-Request-Id', incoming)).expect(204);
      });
      const id = res!.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines.length).toBeGreaterThanOrEqual(2); // logout_all event + request line
      for (const line of lines) expect(idOf(line)).toBe(id);
      expect((await h.services.store.events.list({ type: 'logout_all' })).filter((e) => e.requestId === id)).toHaveLength(1);
    }
  });

  it('puts the request id on the error line of an unexpected failure, and answers a bare server_error', async () => {
    const users = h.services.store.users;
    const original = users.findByEmail.bind(users);
    users.findByEmail = () => Promise.reject(new Error('database exploded: secret-connection-detail'));
    const id = requestId('boom');
    try {
      const lines = await linesDuring(async () => {
        const res = await h.http.post('/auth/login').set('X-Request-Id', id).send({ email: uniqueEmail(), password: PASSWORD });
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: 'server_error', error_description: 'internal server error' });
        expect(res.text).not.toContain('secret-connection-detail');
      });
      const errorLine = lines.find((l) => l.msg === 'unhandled error');
      expect(errorLine).toMatchObject({ level: 50, requestId: id });
      // The request line of a 5xx is at error level too, with its status.
      expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ level: 50, res: { statusCode: 500 } });
      for (const line of lines) expect(idOf(line)).toBe(id);
    } finally {
      users.findByEmail = original;
    }
  });
});

describe('key rotation and revocation are security events', () => {
  const kidsIn = (rows: { type: string; details?: Record<string, unknown> | null }[]) =>
    rows.map((r) => [r.type, r.details?.kid]);

  it('rotate --now: key_created, key_retired and admin_key_rotated, as rows and log lines, with the actor', async () => {
    const before = h.services.keys.signingKey().kid;
    const from = h.logs.lines.length;
    const id = requestId('rotate');
    const { kid } = await h.services.keyAdmin.rotate({ now: true }, { ip: '192.0.2.1', requestId: id });

    const rows = (await h.services.store.events.list({})).filter((e) => e.requestId === id);
    expect(kidsIn(rows)).toEqual([
      ['key_created', kid],
      ['key_retired', before],
      ['admin_key_rotated', kid],
    ]);
    for (const row of rows) expect(row.ip).toBe('192.0.2.1');
    const lines = h.logs.records().slice(from);
    expect(lines.map((l) => [l.securityEvent, (l.details as Record<string, unknown>).kid])).toEqual(kidsIn(rows));
    for (const line of lines) expect(line.requestId).toBe(id);
  });

  it('revoking the active key: key_revoked, the replacement key, admin_key_revoked; no key material logged', async () => {
    const revoked = h.services.keys.signingKey().kid;
    const from = h.logs.lines.length;
    const id = requestId('revoke');
    await h.services.keyAdmin.revoke(revoked, { ip: null, requestId: id });

    const replacement = h.services.keys.signingKey().kid;
    expect(replacement).not.toBe(revoked);
    const rows = (await h.services.store.events.list({})).filter((e) => e.requestId === id);
    expect(rows.map((r) => r.type)).toContain('key_revoked');
    expect(rows.find((r) => r.type === 'key_revoked')?.details).toMatchObject({ kid: revoked, previousState: 'active' });
    expect(rows.some((r) => r.details?.kid === replacement)).toBe(true);
    expect(rows.at(-1)).toMatchObject({ type: 'admin_key_revoked', details: { kid: revoked } });

    const text = h.logs.lines.slice(from).join('\n');
    expect(text.split('\n')).toHaveLength(rows.length);
    const sealed = await h.database.db.prisma.signingKey.findUniqueOrThrow({ where: { kid: replacement } });
    expect(text).not.toContain(sealed.privateJwk);
    expect(text).not.toMatch(/"d"\s*:/);
  });

  it('the automatic schedule records activation and retirement', async () => {
    await h.services.keyAdmin.rotate({ now: false }); // a pending key, pre-published
    const pending = (await h.services.keyAdmin.list()).find((k) => k.state === 'pending')!;
    const active = h.services.keys.signingKey().kid;
    h.clock.set(new Date(pending.activatesAt.getTime() + 1000));
    await h.services.keyAdmin.tick();

    expect(h.services.keys.signingKey().kid).toBe(pending.kid);
    const activated = await h.services.store.events.list({ type: 'key_activated' });
    const retired = await h.services.store.events.list({ type: 'key_retired' });
    expect(activated.at(-1)?.details).toMatchObject({ kid: pending.kid });
    expect(retired.at(-1)?.details).toMatchObject({ kid: active });
    const lines = h.logs.records().filter((l) => l.securityEvent === 'key_activated');
    expect(lines.at(-1)?.details).toMatchObject({ kid: pending.kid });
  });
});
