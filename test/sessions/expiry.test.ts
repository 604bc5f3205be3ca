import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED_SESSION_RETENTION, purgeSessions } from '../../src/sessions/housekeeping.js';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { type LoggedIn, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// Idle expiry and the edges of the grace window, driven by the injected clock (no sleeps).
// Absolute expiry and the basic grace/reuse cases are in refresh-rotation.test.ts.

const IDLE = 600;
const WINDOW = 10;

const sessionOf = (h: Harness, user: LoggedIn) =>
  h.database.db.prisma.session.findUniqueOrThrow({ where: { id: decodeJwt(user.accessToken).sid as string } });
const me = (h: Harness, accessToken: string) => h.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`);
const successorOf = (h: Harness, res: { headers: Record<string, unknown> }) =>
  refreshCookie(res as never, h.config.refreshCookieName)!.value;

describe('idle expiry (REFRESH_IDLE_TTL)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Access tokens outlive the idle window here, so /auth/me shows the session check, not the exp check.
    h = await startHarness({ REFRESH_IDLE_TTL: String(IDLE), ACCESS_TOKEN_TTL: '3600', REFRESH_REUSE_INTERVAL: String(WINDOW) });
  });
  afterAll(() => h?.close());

  it('expires a session unused for REFRESH_IDLE_TTL: 401 invalid_grant, cookie cleared, revoked as expired, /auth/me 401', async () => {
    const user = await registerAndLogin(h);
    h.clock.advance(IDLE - 1);
    await me(h, user.accessToken).expect(200);
    h.clock.advance(1);

    // The access token is still within its own lifetime, but its session is over.
    const meRes = await me(h, user.accessToken);
    expect(meRes.status).toBe(401);
    expect(meRes.body.error).toBe('invalid_token');

    const res = await refresh(h, user.refreshToken);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'session expired after inactivity' });
    expect(refreshCookie(res, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');

    const session = await sessionOf(h, user);
    expect(session.revokedReason).toBe('expired');
    expect(session.revokedAt?.getTime()).toBe(h.clock.now().getTime());
    const events = await h.services.store.events.list({ type: 'session_expired', sessionId: session.id });
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ expiry: 'idle' });

    // Still dead afterwards, with no further expiry event.
    await refresh(h, user.refreshToken).expect(401);
    await me(h, user.accessToken).expect(401);
    expect(await h.services.store.events.list({ type: 'session_expired', sessionId: session.id })).toHaveLength(1);
  });

  it('keeps a session alive that is refreshed just before each idle limit, well past one idle period', async () => {
    const user = await registerAndLogin(h);
    let token = user.refreshToken;
    let accessToken = user.accessToken;
    for (let i = 0; i < 3; i++) {
      h.clock.advance(IDLE - 1);
      const res = await refresh(h, token).expect(200);
      // Each refresh restarts the idle window: the cookie again lives a full REFRESH_IDLE_TTL.
      expect(refreshCookie(res, h.config.refreshCookieName)?.attributes['max-age']).toBe(String(IDLE));
      token = successorOf(h, res);
      accessToken = res.body.access_token;
    }
    const session = await sessionOf(h, user);
    expect(session.revokedAt).toBeNull();
    expect(session.lastUsedAt.getTime()).toBe(h.clock.now().getTime());
    await me(h, accessToken).expect(200);
    // ...and the old access token of the same live session too (its own exp has not passed).
    await me(h, user.accessToken).expect(200);
  });

  it('does not count /auth/me as activity: only a refresh restarts the idle window', async () => {
    const user = await registerAndLogin(h);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(IDLE / 3 - 1);
      await me(h, user.accessToken).expect(200);
    }
    h.clock.advance(3);
    await refresh(h, user.refreshToken).expect(401);
  });
});

describe('grace window edges (REFRESH_REUSE_INTERVAL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_REUSE_INTERVAL: String(WINDOW) });
  });
  afterAll(() => h?.close());

  it('re-presenting the rotated token up to the last second of the window returns the same successor, and writes no new token', async () => {
    const user = await registerAndLogin(h);
    const first = await refresh(h, user.refreshToken).expect(200);
    const successor = successorOf(h, first);
    for (const step of [0, WINDOW / 2, WINDOW / 2 - 1]) {
      h.clock.advance(step);
      const again = await refresh(h, user.refreshToken);
      expect(again.status).toBe(200);
      expect(successorOf(h, again)).toBe(successor);
      expect(decodeJwt(again.body.access_token).sid).toBe(decodeJwt(first.body.access_token).sid);
      await me(h, again.body.access_token).expect(200);
    }
    const session = await sessionOf(h, user);
    expect(await h.database.db.prisma.refreshToken.count({ where: { sessionId: session.id } })).toBe(2);
    // The family is still one line: the successor rotates normally.
    await refresh(h, successor).expect(200);
  });

  it('after the window the rotated token is reuse: 401, the whole family revoked (successor included), one event', async () => {
    const user = await registerAndLogin(h);
    const first = await refresh(h, user.refreshToken).expect(200);
    const successor = successorOf(h, first);
    h.clock.advance(WINDOW);
    const reuse = await refresh(h, user.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toBe('invalid_grant');
    const session = await sessionOf(h, user);
    expect(session.revokedReason).toBe('reuse_detected');
    await refresh(h, successor).expect(401);
    await me(h, first.body.access_token).expect(401);
    const events = await h.services.store.events.list({ type: 'refresh_reuse_detected', sessionId: session.id });
    expect(events.filter((e) => !e.details?.alreadyRevoked)).toHaveLength(1);
  });

  it('once the successor itself was rotated, the old token is reuse even inside the window', async () => {
    const user = await registerAndLogin(h);
    const first = await refresh(h, user.refreshToken).expect(200);
    const successor = successorOf(h, first);
    h.clock.advance(1);
    const second = await refresh(h, successor).expect(200);
    const newest = successorOf(h, second);
    h.clock.advance(1); // still well inside the window for both rotated tokens
    await refresh(h, user.refreshToken).expect(401);
    expect((await sessionOf(h, user)).revokedReason).toBe('reuse_detected');
    // The newest token of the family dies too.
    await refresh(h, newest).expect(401);
    await me(h, second.body.access_token).expect(401);
  });

  it('gives no grace to a token of a session that was logged out inside the window', async () => {
    const user = await registerAndLogin(h);
    const first = await refresh(h, user.refreshToken).expect(200);
    await h.http
      .post('/auth/logout')
      .set('Cookie', `${h.config.refreshCookieName}=${successorOf(h, first)}`)
      .expect(204);
    h.clock.advance(1);
    await refresh(h, user.refreshToken).expect(401);
    expect((await sessionOf(h, user)).revokedReason).toBe('logout');
  });
});

describe('housekeeping (purgeSessions)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_REUSE_INTERVAL: String(WINDOW) });
  });
  afterAll(() => h?.close());

  const tokenRow = (token: string) =>
    h.database.db.prisma.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(token) } });

  it('keeps the sealed successor only for the grace window; the successor itself is unaffected', async () => {
    const user = await registerAndLogin(h);
    const successor = successorOf(h, await refresh(h, user.refreshToken).expect(200));
    expect((await tokenRow(user.refreshToken))?.successorSealed).toEqual(expect.any(String));

    h.clock.advance(WINDOW - 1);
    await purgeSessions(h.services);
    expect((await tokenRow(user.refreshToken))?.successorSealed).toEqual(expect.any(String));

    h.clock.advance(1);
    await purgeSessions(h.services);
    expect((await tokenRow(user.refreshToken))?.successorSealed).toBeNull();
    // Nothing else changed: the family is live and its newest token rotates.
    await refresh(h, successor).expect(200);
  });

  it('deletes sessions that ended more than the retention period ago, and only those', async () => {
    const ended = await registerAndLogin(h);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${ended.refreshToken}`).expect(204);
    h.clock.advance(ENDED_SESSION_RETENTION - 60);
    const live = await registerAndLogin(h);
    const recentlyEnded = await registerAndLogin(h);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${recentlyEnded.refreshToken}`).expect(204);
    h.clock.advance(61);

    await purgeSessions(h.services);
    expect(await tokenRow(ended.refreshToken)).toBeNull();
    expect(await h.database.db.prisma.session.count({ where: { userId: ended.userId } })).toBe(0);
    expect(await tokenRow(recentlyEnded.refreshToken)).not.toBeNull();
    await me(h, live.accessToken).expect(200);
    await refresh(h, live.refreshToken).expect(200);
  });
});
