import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { type LoggedIn, lookupBarrier, parallelRefreshes, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

async function sessionRow(h: Harness, refreshToken: string) {
  const found = await h.services.store.sessions.findPresentedToken(hashRefreshToken(refreshToken));
  if (!found) throw new Error('token not in database');
  return found.session;
}

describe('refresh rotation (strict: REFRESH_REUSE_INTERVAL=0)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_REUSE_INTERVAL: '0' });
  });
  afterAll(() => h?.close());

  it('rotates the refresh token on every use and issues a new access token for the same session', async () => {
    const user = await registerAndLogin(h);
    const res = await refresh(h, user.refreshToken).expect(200);
    const next = refreshCookie(res, h.config.refreshCookieName);
    expect(next?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next?.value).not.toBe(user.refreshToken);
    expect(res.body.token_type).toBe('Bearer');
    const me = await h.http.get('/auth/me').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
    expect(me.body.id).toBe(user.userId);
    // The new token works once more.
    await refresh(h, next!.value).expect(200);
  });

  it('stores only hashes of refresh tokens', async () => {
    const user = await registerAndLogin(h);
    const row = await h.services.store.sessions.findPresentedToken(hashRefreshToken(user.refreshToken));
    expect(row).not.toBeNull();
    const plain = await h.services.store.sessions.findPresentedToken(user.refreshToken);
    expect(plain).toBeNull();
  });

  it('revokes the whole session when a rotated refresh token is presented again, killing the newest token too', async () => {
    const user = await registerAndLogin(h);
    const first = await refresh(h, user.refreshToken).expect(200);
    const newest = refreshCookie(first, h.config.refreshCookieName)!.value;

    const reuse = await refresh(h, user.refreshToken).expect(401);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('already used') });
    expect(refreshCookie(reuse, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');

    // The family is revoked in the database, after the 401.
    const session = await sessionRow(h, newest);
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokedReason).toBe('reuse_detected');
    // The newest token of the family no longer works, nor its access token.
    await refresh(h, newest).expect(401);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${first.body.access_token}`).expect(401);

    const events = await h.services.store.events.list({ type: 'refresh_reuse_detected', sessionId: session.id });
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]!.details).toMatchObject({ presentedTokenId: expect.any(String), newestTokenId: expect.any(String) });
    expect(events[0]!.details!.presentedTokenId).not.toBe(events[0]!.details!.newestTokenId);
  });

  it('answers invalid_grant for a missing, malformed or unknown refresh token and clears the cookie', async () => {
    const missing = await h.http.post('/auth/refresh').expect(401);
    expect(missing.body.error).toBe('invalid_grant');
    expect(refreshCookie(missing, h.config.refreshCookieName)?.attributes['max-age']).toBe('0');
    await refresh(h, 'not-a-token').expect(401);
    await refresh(h, 'A'.repeat(43)).expect(401);
  });

  it('fires 20 parallel refreshes with one token: exactly one succeeds and the family ends revoked', async () => {
    const user = await registerAndLogin(h);
    const release = lookupBarrier(h, 20); // all 20 reach the database together
    const results = await parallelRefreshes(h, user.refreshToken, 20).finally(release);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBe(1);
    expect(results.every((r) => r.status === 200 || (r.status === 401 && r.body.error === 'invalid_grant'))).toBe(true);
    const session = await sessionRow(h, user.refreshToken);
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokedReason).toBe('reuse_detected');
  });
});

describe('refresh grace window (REFRESH_REUSE_INTERVAL=10)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_REUSE_INTERVAL: '10' });
  });
  afterAll(() => h?.close());

  it('gives a second tab the same successor within the window, and the family stays one line', async () => {
    const user = await registerAndLogin(h);
    const a = await refresh(h, user.refreshToken).expect(200);
    h.clock.advance(5);
    const b = await refresh(h, user.refreshToken).expect(200);
    const successor = refreshCookie(a, h.config.refreshCookieName)!.value;
    expect(refreshCookie(b, h.config.refreshCookieName)!.value).toBe(successor);
    expect(b.body.access_token).not.toBe(a.body.access_token);
    // Later reuse is still detected: after the successor rotates, the old token is reuse.
    await refresh(h, successor).expect(200);
    await refresh(h, user.refreshToken).expect(401);
    expect((await sessionRow(h, successor)).revokedReason).toBe('reuse_detected');
  });

  it('opens a successor sealed by an earlier build (bound to the row id) during a rolling deploy', async () => {
    const user = await registerAndLogin(h);
    const a = await refresh(h, user.refreshToken).expect(200);
    const successor = refreshCookie(a, h.config.refreshCookieName)!.value;
    const parent = await h.services.store.sessions.findPresentedToken(hashRefreshToken(user.refreshToken));
    // What an instance of the earlier build wrote: the successor bound to the parent's row id.
    const legacy = h.services.sealer.seal('refresh-successor', successor, parent!.id);
    await h.database.db.prisma.refreshToken.update({ where: { id: parent!.id }, data: { successorSealed: legacy } });
    h.clock.advance(5);
    const b = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(b, h.config.refreshCookieName)!.value).toBe(successor);
    expect((await sessionRow(h, successor)).revokedAt).toBeNull();
  });

  it('treats the old token as reuse once the window has passed', async () => {
    const user = await registerAndLogin(h);
    const a = await refresh(h, user.refreshToken).expect(200);
    h.clock.advance(10);
    await refresh(h, user.refreshToken).expect(401);
    const successor = refreshCookie(a, h.config.refreshCookieName)!.value;
    await refresh(h, successor).expect(401);
  });

  it('fires 20 parallel refreshes with one token: all succeed with the same successor, and exactly one successor exists', async () => {
    const user: LoggedIn = await registerAndLogin(h);
    const release = lookupBarrier(h, 20);
    const results = await parallelRefreshes(h, user.refreshToken, 20).finally(release);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const successors = new Set(results.map((r) => r.cookie));
    expect(successors.size).toBe(1);
    const session = await sessionRow(h, user.refreshToken);
    expect(session.revokedAt).toBeNull();
    const tokens = await h.database.db.prisma.refreshToken.findMany({ where: { sessionId: session.id } });
    expect(tokens).toHaveLength(2); // the original and its single successor
    const [successor] = successors;
    expect(tokens.map((t) => t.tokenHash)).toContain(hashRefreshToken(successor!));
  });
});

describe('session expiry (injected clock)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REFRESH_TOKEN_TTL: '86400', REFRESH_IDLE_TTL: '3600', REFRESH_REUSE_INTERVAL: '0' });
  });
  afterAll(() => h?.close());

  it('sets the cookie Max-Age to the idle TTL while the absolute expiry is further away', async () => {
    const user = await registerAndLogin(h);
    const res = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(res, h.config.refreshCookieName)?.attributes['max-age']).toBe('3600');
  });

  it('expires a session left unused for REFRESH_IDLE_TTL', async () => {
    const user = await registerAndLogin(h);
    h.clock.advance(3599);
    const res = await refresh(h, user.refreshToken).expect(200);
    const next = refreshCookie(res, h.config.refreshCookieName)!.value;
    h.clock.advance(3600);
    const expired = await refresh(h, next).expect(401);
    expect(expired.body.error_description).toMatch(/inactivity/);
    expect((await sessionRow(h, next)).revokedReason).toBe('expired');
  });

  it('expires a session at its absolute lifetime even when used constantly; rotation never extends it', async () => {
    const user = await registerAndLogin(h);
    let token = user.refreshToken;
    for (let elapsed = 0; elapsed < 86_400 - 3000; elapsed += 3000) {
      h.clock.advance(3000);
      const res = await refresh(h, token).expect(200);
      token = refreshCookie(res, h.config.refreshCookieName)!.value;
    }
    // The last cookie lives only until the absolute expiry.
    const remaining = 86_400 - Math.floor(86_400 / 3000) * 3000;
    h.clock.advance(remaining - 1);
    const last = await refresh(h, token).expect(200);
    expect(refreshCookie(last, h.config.refreshCookieName)?.attributes['max-age']).toBe('1');
    token = refreshCookie(last, h.config.refreshCookieName)!.value;
    h.clock.advance(1);
    const expired = await refresh(h, token).expect(401);
    expect(expired.body.error_description).toBe('session has expired');
  });
});
