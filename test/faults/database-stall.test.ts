import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { refresh, refreshCookie, registerAndLogin, setCookies } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';

// A stalled database (here: another connection holding an exclusive lock on refresh_tokens)
// must neither hold requests forever nor turn a client's retry into "reuse": the wait is
// bounded by DATABASE_TIMEOUT (then 503, nothing written), and the grace window counts from
// when the rotation committed. Only PostgreSQL has other connections that can hold a lock.

async function sessionOf(h: Harness, refreshToken: string) {
  const found = await h.services.store.sessions.findPresentedToken(hashRefreshToken(refreshToken));
  if (!found) throw new Error('token not in database');
  return found.session;
}

/** Another connection that takes an exclusive lock on refresh_tokens and holds it until released. */
async function lockRefreshTokens(h: Harness): Promise<() => Promise<void>> {
  if (h.database.location.kind !== 'postgres') throw new Error('PostgreSQL only');
  const client = new pg.Client({ connectionString: h.database.location.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await client.query('ROLLBACK');
    await client.end();
  };
}

/** Resolves once some statement of this database is waiting for a lock. */
async function someoneWaitsForALock(h: Harness): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await h.database.db.prisma.$queryRaw<{ waiting: number }[]>`
      SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (row && row.waiting > 0) return;
    await sleep(25);
  }
  throw new Error('no statement ever waited for the lock');
}

describe.runIf(usingPostgres())('a stalled database (lock held on refresh_tokens)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DATABASE_TIMEOUT: '1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers a refresh 503 within DATABASE_TIMEOUT; the client retries after the stall and gets 200, nothing revoked', async () => {
    const user = await registerAndLogin(h);
    const release = await lockRefreshTokens(h);
    try {
      const started = performance.now();
      // Without a bound the request waits for as long as the lock is held: until the test times out.
      const res = await refresh(h, user.refreshToken);
      const waited = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('temporarily_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(setCookies(res)).toEqual([]);
      expect(waited).toBeLessThan(5_000); // the bound is 1 s; the rest is slack for a loaded machine
    } finally {
      await release();
    }
    const retried = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(retried, h.config.refreshCookieName)?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await sessionOf(h, user.refreshToken);
    expect(session.revokedAt).toBeNull();
  });

  it('a login stalled behind the lock answers 503 and writes no session', async () => {
    const user = await registerAndLogin(h);
    const before = await h.database.db.prisma.session.count({ where: { userId: user.userId } });
    const release = await lockRefreshTokens(h);
    try {
      const res = await h.http.post('/auth/login').send({ email: user.email, password: user.password });
      expect(res.status).toBe(503);
      expect(setCookies(res)).toEqual([]);
    } finally {
      await release();
    }
    // The statement that creates session, token and event was cancelled whole.
    expect(await h.database.db.prisma.session.count({ where: { userId: user.userId } })).toBe(before);
  });
});

describe.runIf(usingPostgres())('the grace window counts from when the rotation committed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DATABASE_TIMEOUT: '10', REFRESH_REUSE_INTERVAL: '10' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives a retry that comes more than W after the stalled request arrived, but less than W after it rotated, the same successor', async () => {
    const user = await registerAndLogin(h);
    const release = await lockRefreshTokens(h);
    let first;
    try {
      // The fake clock says the request arrived at t0; the database then holds it ~3 s.
      first = refresh(h, user.refreshToken).then((r) => r);
      await someoneWaitsForALock(h);
      await sleep(3_000);
    } finally {
      await release();
    }
    const rotated = await first;
    expect(rotated.status).toBe(200);
    const successor = refreshCookie(rotated, h.config.refreshCookieName)!.value;

    // The client never saw that answer (it gave up) and retries at t0 + 11 s: past W counted
    // from arrival, within W counted from the commit (t0 + ~3 s).
    h.clock.advance(11);
    const retry = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(retry, h.config.refreshCookieName)?.value).toBe(successor);
    expect((await sessionOf(h, successor)).revokedAt).toBeNull();

    // Past W from the commit, the old token is reuse, even though its successor was never used.
    h.clock.advance(10);
    const late = await refresh(h, user.refreshToken).expect(401);
    expect(late.body.error).toBe('invalid_grant');
    expect((await sessionOf(h, successor)).revokedReason).toBe('reuse_detected');
  });
});
