import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
afterAll(() => h.close());

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

  it('login failure: wrong password names the user, unknown email does not', async () => {
    const user = await register(h.http);
    const wrong = requestId('login-wrong');
    await h.http
      .post('/auth/login')
      .set('X-Request-Id', wrong)
      .send({ email: user.email, password: 'not the password' })
      .expect(401);
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
    for (let i = 0; i < 4; i++)
      await h.http.post('/auth/login').send({ email: user.email, password: 'not the password' }).expect(401);
    const id = requestId('login-locking');
    await h.http
      .post('/auth/login')
      .set('X-Request-Id', id)
      .send({ email: user.email, password: 'not the password' })
      .expect(401);
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
