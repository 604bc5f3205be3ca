import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

// CONTRACT Part 2 "Accounts and sessions": GET /auth/sessions, DELETE /auth/sessions/:id,
// POST /auth/logout-others. Bearer user token; no oracle about other users' sessions.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: 'loopback' });
});
afterAll(() => h?.close());

interface Device {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

/** Another login of the same user, from another "device". */
async function loginAgain(user: LoggedIn, agent = 'Device', ip = '203.0.113.9'): Promise<Device> {
  const res = await h.http
    .post('/auth/login')
    .set('User-Agent', agent)
    .set('X-Forwarded-For', ip)
    .send({ email: user.email, password: user.password })
    .expect(200);
  const accessToken = res.body.access_token as string;
  return { accessToken, refreshToken: refreshCookie(res, h.config.refreshCookieName)!.value, sessionId: sid(accessToken) };
}

const sid = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid as string;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (token: string) => h.http.get('/auth/me').set(bearer(token));
const list = (token: string) => h.http.get('/auth/sessions').set(bearer(token));
const remove = (token: string, id: string) => h.http.delete(`/auth/sessions/${id}`).set(bearer(token));
const sessionRow = (id: string) => h.database.db.prisma.session.findUniqueOrThrow({ where: { id } });

describe('GET /auth/sessions', () => {
  it("lists the user's live sessions, newest first, marking the current one, never cached", async () => {
    const user = await registerAndLogin(h);
    h.clock.advance(60);
    const phone = await loginAgain(user, 'Phone/1.0', '203.0.113.7');
    h.clock.advance(60);
    const laptop = await loginAgain(user, 'Laptop/2.0', '203.0.113.8');

    const res = await list(phone.accessToken).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const now = h.clock.now();
    expect(res.body.sessions).toEqual([
      {
        id: laptop.sessionId,
        createdAt: now.toISOString(),
        lastUsedAt: now.toISOString(),
        // the earlier of absolute expiry (30 d) and idle expiry (last use + 14 d)
        expiresAt: new Date(now.getTime() + h.config.refreshIdleTtl * 1000).toISOString(),
        userAgent: 'Laptop/2.0',
        ip: '203.0.113.8',
        current: false,
      },
      expect.objectContaining({ id: phone.sessionId, userAgent: 'Phone/1.0', ip: '203.0.113.7', current: true }),
      expect.objectContaining({ id: sid(user.accessToken), current: false }),
    ]);
  });

  it('leaves out ended sessions: logged out, revoked and idle-expired', async () => {
    const user = await registerAndLogin(h);
    const loggedOut = await loginAgain(user);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${loggedOut.refreshToken}`).expect(204);
    const idle = await loginAgain(user);
    h.clock.advance(h.config.refreshIdleTtl - 10);
    const kept = await refresh(h, user.refreshToken).expect(200); // the first session stays in use
    h.clock.advance(20); // `idle` is now past its idle expiry, but was never revoked
    expect((await sessionRow(idle.sessionId)).revokedAt).toBeNull();

    const res = await list(kept.body.access_token).expect(200);
    expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual([sid(user.accessToken)]);
  });

  it("never shows another user's sessions", async () => {
    const alice = await registerAndLogin(h);
    const bob = await registerAndLogin(h);
    await loginAgain(bob);
    const res = await list(alice.accessToken).expect(200);
    expect(res.body.sessions).toHaveLength(1);
    expect(res.body.sessions[0].id).toBe(sid(alice.accessToken));
  });

  it('answers 401 invalid_token without a token, with a bad one, and for an ended session', async () => {
    const none = await h.http.get('/auth/sessions').expect(401);
    expect(none.body.error).toBe('invalid_token');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect((await list('not.a.token').expect(401)).body.error).toBe('invalid_token');
    const user = await registerAndLogin(h);
    await h.http.post('/auth/logout-all').set(bearer(user.accessToken)).expect(204);
    expect((await list(user.accessToken).expect(401)).body.error).toBe('invalid_token');
  });

  it('answers 405 with Allow for another method', async () => {
    const res = await undescribed(h.http.post('/auth/sessions')).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it('ends that session: its refresh token and access token stop working, the others keep working', async () => {
    const user = await registerAndLogin(h);
    const phone = await loginAgain(user);
    await remove(user.accessToken, phone.sessionId).set('X-Request-Id', 'delete-1').expect(204);

    expect((await refresh(h, phone.refreshToken).expect(401)).body.error).toBe('invalid_grant');
    expect((await me(phone.accessToken).expect(401)).body.error).toBe('invalid_token');
    await me(user.accessToken).expect(200);
    await refresh(h, user.refreshToken).expect(200);
    expect(await sessionRow(phone.sessionId)).toMatchObject({ revokedReason: 'session_deleted' });
    const [event] = await h.services.store.events.list({ type: 'session_revoked', sessionId: phone.sessionId });
    expect(event).toMatchObject({
      userId: user.userId,
      requestId: 'delete-1',
      details: { reason: 'session_deleted', bySessionId: sid(user.accessToken) },
    });
  });

  it("answers the same 404 for another user's session, an unknown, malformed or ended id, and changes nothing", async () => {
    const alice = await registerAndLogin(h);
    const bob = await registerAndLogin(h);
    const ended = await loginAgain(alice);
    await remove(alice.accessToken, ended.sessionId).expect(204);

    const answers = [];
    for (const id of [sid(bob.accessToken), '3f0a1c9e-4b7d-4c39-9a55-0f1e2d3c4b5a', 'not-a-uuid', ended.sessionId]) {
      const res = await remove(alice.accessToken, id);
      expect(res.status, id).toBe(404);
      answers.push(res.text);
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)).toEqual({ error: 'not_found', error_description: 'no such session' });
    // Bob's session is untouched.
    expect((await sessionRow(sid(bob.accessToken))).revokedAt).toBeNull();
    await me(bob.accessToken).expect(200);
  });

  it('ends the current session too (a logout), clearing the refresh cookie', async () => {
    const user = await registerAndLogin(h);
    const res = await remove(user.accessToken, sid(user.accessToken)).expect(204);
    expect(refreshCookie(res, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');
    await me(user.accessToken).expect(401);
    await refresh(h, user.refreshToken).expect(401);
  });

  it('needs a valid token (401), and allows only DELETE (405)', async () => {
    const user = await registerAndLogin(h);
    await h.http.delete(`/auth/sessions/${sid(user.accessToken)}`).expect(401);
    const res = await undescribed(h.http.get(`/auth/sessions/${sid(user.accessToken)}`))
      .set(bearer(user.accessToken))
      .expect(405);
    expect(res.headers.allow).toBe('DELETE');
    await me(user.accessToken).expect(200);
  });
});

describe('POST /auth/logout-others', () => {
  it('revokes every other session of the user; this one and other users keep working', async () => {
    const user = await registerAndLogin(h);
    const devices = [await loginAgain(user), await loginAgain(user)];
    const stranger = await registerAndLogin(h);

    await h.http.post('/auth/logout-others').set(bearer(user.accessToken)).set('X-Request-Id', 'others-1').expect(204);

    for (const device of devices) {
      await refresh(h, device.refreshToken).expect(401);
      await me(device.accessToken).expect(401);
      expect(await sessionRow(device.sessionId)).toMatchObject({ revokedReason: 'logout_others' });
    }
    await me(user.accessToken).expect(200);
    await refresh(h, user.refreshToken).expect(200);
    await me(stranger.accessToken).expect(200);
    const events = (await h.services.store.events.list({ type: 'logout_others' })).filter((e) => e.requestId === 'others-1');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: user.userId, sessionId: sid(user.accessToken) });
    const line = h.logs.records().find((l) => l.securityEvent === 'logout_others' && l.requestId === 'others-1');
    expect(line?.details).toEqual({ revoked: 2 });
  });

  it('needs a valid token: 401 without one', async () => {
    const res = await h.http.post('/auth/logout-others').expect(401);
    expect(res.body.error).toBe('invalid_token');
  });
});
