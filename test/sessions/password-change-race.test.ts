import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { PASSWORD, refresh, refreshCookie, registerAndLogin } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// A password change racing a refresh of another session of the same user. The rotation
// statement locks the session row before it decides, and the revocation updates that row, so
// they serialise on it: either the rotation commits first and the revocation then ends the
// session it rotated, or the revocation commits first and the rotation rotates nothing. Never
// a rotation committed after the revocation (a token minted for a session already ended).

let h: Harness;
let server: Listening;
let base: string;

beforeAll(async () => {
  h = await startHarness({ REFRESH_REUSE_INTERVAL: '0' });
  // A listening server: each request on its own connection, really in parallel in the database.
  server = await serve(h.apps.public);
  base = server.origin;
});
afterAll(() => closeAll(server, h));

const NEW_PASSWORD = 'a brand new passphrase';
const sid = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string;

/** Holds the first call of each patched store method until both have arrived, then lets them go together. */
function meetInTheDatabase() {
  const sessions = h.services.store.sessions;
  const accounts = h.services.store.accounts;
  const rotate = sessions.presentAndRotate.bind(sessions);
  const change = accounts.changePassword.bind(accounts);
  let release!: () => void;
  const together = new Promise<void>((resolve) => (release = resolve));
  let arrived = 0;
  const arrive = async () => {
    if (++arrived === 2) release();
    await together;
  };
  sessions.presentAndRotate = async (input) => (await arrive(), rotate(input));
  accounts.changePassword = async (input) => (await arrive(), change(input));
  return () => {
    release();
    sessions.presentAndRotate = rotate;
    accounts.changePassword = change;
  };
}

async function post(path: string, headers: Record<string, string>, body?: object) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { connection: 'close', ...(body && { 'content-type': 'application/json' }), ...headers },
    body: body && JSON.stringify(body),
  });
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${h.config.refreshCookieName}=`))
    ?.split(';')[0]
    ?.split('=')[1];
  return { status: res.status, body: res.status === 204 ? undefined : await res.json(), cookie };
}

/** xmin: the transaction that wrote the row's current version. */
async function writer(sql: string, id: string): Promise<string> {
  const rows = await h.database.db.prisma.$queryRawUnsafe<{ xmin: string }[]>(sql, id);
  expect(rows).toHaveLength(1);
  return rows[0]!.xmin;
}
const sessionWriter = (id: string) => writer(`SELECT xmin::text AS xmin FROM sessions WHERE id = $1::uuid`, id);
const passwordChangeWriter = (userId: string) =>
  writer(`SELECT xmin::text AS xmin FROM security_events WHERE user_id = $1::uuid AND type = 'password_changed'`, userId);

describe('a password change racing a refresh of another session of the same user', () => {
  it('always ends with the other session revoked, never with a token rotated after the revocation', async () => {
    const outcomes: number[] = [];
    for (let round = 0; round < 12; round++) {
      const user = await registerAndLogin(h);
      const other = await h.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
      const otherRefresh = refreshCookie(other, h.config.refreshCookieName)!.value;
      const otherSid = sid(other.body.access_token);

      const restore = meetInTheDatabase();
      const [changed, refreshed] = await Promise.all([
        post(
          '/auth/password',
          { authorization: `Bearer ${user.accessToken}` },
          { current_password: PASSWORD, new_password: NEW_PASSWORD },
        ),
        post('/auth/refresh', { cookie: `${h.config.refreshCookieName}=${otherRefresh}` }),
      ]).finally(restore);
      outcomes.push(refreshed.status);

      expect(changed.status).toBe(204);
      expect([200, 401]).toContain(refreshed.status);
      const session = await h.database.db.prisma.session.findUniqueOrThrow({ where: { id: otherSid } });
      expect(session.revokedReason).toBe('password_changed');
      // The revocation was the last write to the session row: no rotation committed after it.
      // (The password_changed event is written in the same transaction as the revocation.)
      expect(await sessionWriter(otherSid)).toBe(await passwordChangeWriter(user.userId));
      if (refreshed.status === 200) {
        // It won the race: what it got died with the session a moment later.
        await refresh(h, refreshed.cookie!).expect(401);
        await h.http.get('/auth/me').set('Authorization', `Bearer ${refreshed.body.access_token}`).expect(401);
      }
      // The changer's own session lives on.
      await h.http.get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
    }
    console.log(`password change vs refresh, refresh outcomes: ${outcomes.join(' ')}`);
  });

  it.runIf(usingPostgres())(
    'a refresh arriving while a revocation holds the session row waits for it, then rotates nothing',
    async () => {
      const user = await registerAndLogin(h);
      const sessionId = sid(user.accessToken);
      const client = new pg.Client({ connectionString: (h.database.location as { url: string }).url });
      await client.connect();
      try {
        // What the password change's transaction does to another session, held open.
        await client.query('BEGIN');
        await client.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'password_changed' WHERE id = $1`, [
          sessionId,
        ]);
        const pending = refresh(h, user.refreshToken).then((res) => res);
        await until(async () => (await waitingOnLocks(client)) > 0);
        await client.query('COMMIT');

        const res = await pending;
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_grant');
        const tokens = await h.database.db.prisma.refreshToken.findMany({ where: { sessionId } });
        expect(tokens).toHaveLength(1); // no successor was written
        expect(tokens[0]).toMatchObject({ tokenHash: hashRefreshToken(user.refreshToken), usedAt: null });
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      }
    },
  );
});

async function waitingOnLocks(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

/** Polls a condition of another process (a backend waiting on a lock), bounded. */
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
