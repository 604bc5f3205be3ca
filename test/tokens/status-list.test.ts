import { inflateSync } from 'node:zlib';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeSessions } from '../../src/sessions/housekeeping.js';
import { REBUILD_MS, STATUS_LIST_SIZE, encodeStatusList } from '../../src/tokens/status-list.js';
import { type LoggedIn, parallelRefreshes, refresh, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';
import { bearer } from '../http/helpers.js';

// The token status list (draft-ietf-oauth-status-list-21; CONTRACT.md Part 2 "Revocation that
// reaches resource servers"): every access token names a bit, every revocation sets it.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

interface StatusClaim {
  idx: number;
  uri: string;
}

const statusOf = (accessToken: string) => (decodeJwt(accessToken).status as { status_list: StatusClaim }).status_list;
const path = (uri: string) => new URL(uri).pathname;

/** What a resource server does: fetch the list, verify it against the JWKS, read the bit (§4.1). */
async function bitOf(claim: StatusClaim, at: Harness = h): Promise<number> {
  const jwks = createLocalJWKSet((await at.http.get('/.well-known/jwks.json').expect(200)).body);
  const res = await at.http
    .get(path(claim.uri))
    .buffer(true)
    .parse((r, done) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => done(null, text));
    });
  expect(res.status).toBe(200);
  const { payload } = await jwtVerify(res.body as string, jwks, { typ: 'statuslist+jwt', subject: claim.uri });
  const { bits, lst } = payload.status_list as { bits: number; lst: string };
  expect(bits).toBe(1);
  const bytes = inflateSync(Buffer.from(lst, 'base64url'));
  return (bytes[claim.idx >> 3]! >> (claim.idx & 7)) & 1;
}

/** Past this instance's copy of the lists (the "+ 1 s" of STATUS_LIST_TTL + 1 s). */
const afterRebuild = () => h.clock.advance(REBUILD_MS / 1000);

describe('the status claim', () => {
  it('is in every access token: {idx, uri} under ISSUER/statuslists/, the same for a session across refreshes', async () => {
    const user = await registerAndLogin(h);
    const claim = statusOf(user.accessToken);
    expect(claim.uri).toMatch(new RegExp(`^${h.config.issuer}/statuslists/[1-9][0-9]*$`));
    expect(Number.isInteger(claim.idx) && claim.idx >= 0 && claim.idx < STATUS_LIST_SIZE).toBe(true);
    const next = await refresh(h, user.refreshToken).expect(200);
    expect(statusOf(next.body.access_token)).toEqual(claim);
  });

  it('differs between two sessions, even of the same user', async () => {
    const user = await registerAndLogin(h);
    const again = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    expect(statusOf(again.body.access_token)).not.toEqual(statusOf(user.accessToken));
  });
});

describe('GET /statuslists/:id', () => {
  it('serves a signed statuslist+jwt with max-age=STATUS_LIST_TTL, an ETag, 304 on If-None-Match, CORS for any origin', async () => {
    const user = await registerAndLogin(h);
    const uri = path(statusOf(user.accessToken).uri);
    const res = await h.http.get(uri).set('Origin', 'https://api.example.net').expect(200);
    expect(res.headers['content-type']).toBe('application/statuslist+jwt');
    expect(res.headers['cache-control']).toBe(`public, max-age=${h.config.statusListTtl}`);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const jwt = res.body instanceof Buffer ? res.body.toString() : (res.text ?? '');
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ typ: 'statuslist+jwt', kid: h.services.keys.signingKey().kid });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: `${h.config.issuer}${uri}`, ttl: h.config.statusListTtl });
    expect(claims.exp! - claims.iat!).toBe(h.config.accessTokenTtl);

    const again = await h.http.get(uri).set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
  });

  it('answers 404 for a list that does not exist and for an id that cannot be one; 405 for other methods', async () => {
    await registerAndLogin(h);
    for (const id of ['999', '32768', '99999', '0', 'abc', '1.5', '01']) {
      const res = await h.http.get(`/statuslists/${id}`).expect(404);
      expect(res.body.error).toBe('not_found');
    }
    const res = await undescribed(h.http.post('/statuslists/1')).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('every revocation sets the bit of the tokens that still verify, and only theirs', () => {
  async function expectRevoked(user: LoggedIn, bystander: LoggedIn) {
    afterRebuild();
    expect(await bitOf(statusOf(user.accessToken))).toBe(1);
    expect(await bitOf(statusOf(bystander.accessToken))).toBe(0);
  }

  it('a new session starts with its bit clear', async () => {
    const user = await registerAndLogin(h);
    afterRebuild();
    expect(await bitOf(statusOf(user.accessToken))).toBe(0);
  });

  it('logout', async () => {
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    expect(await bitOf(statusOf(user.accessToken))).toBe(0);
    await h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${user.refreshToken}`).expect(204);
    await expectRevoked(user, bystander);
  });

  it('logout-all: every session of the user', async () => {
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    const second = await h.http.post('/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await h.http.post('/auth/logout-all').set(bearer(user.accessToken)).expect(204);
    await expectRevoked(user, bystander);
    expect(await bitOf(statusOf(second.body.access_token))).toBe(1);
  });

  it('reuse detection', async () => {
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    await refresh(h, user.refreshToken).expect(200);
    h.clock.advance(h.config.refreshReuseInterval + 1);
    await refresh(h, user.refreshToken).expect(401);
    await expectRevoked(user, bystander);
  });

  it('admin revoke-sessions', async () => {
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    await h.admin.post(`/admin/users/${user.userId}/revoke-sessions`).expect(200, { revoked: 1 });
    await expectRevoked(user, bystander);
  });

  it('expiry found at refresh', async () => {
    const local = await startHarness({ REFRESH_TOKEN_TTL: '3600', REFRESH_IDLE_TTL: '3600' });
    try {
      const user = await registerAndLogin(local);
      local.clock.advance(3601);
      await refresh(local, user.refreshToken).expect(401);
      const claim = statusOf(user.accessToken);
      const row = await local.database.db.prisma.statusSlot.findFirstOrThrow({
        where: { holder: decodeJwt(user.accessToken).sid as string },
      });
      expect(row.revoked).toBe(true);
      expect(row.slot % STATUS_LIST_SIZE).toBe(claim.idx);
    } finally {
      await local.close();
    }
  });

  it('a deleted session (user deletion, housekeeping) keeps its bit set', async () => {
    const [user, bystander] = [await registerAndLogin(h), await registerAndLogin(h)];
    await h.database.db.prisma.session.delete({ where: { id: decodeJwt(user.accessToken).sid as string } });
    await expectRevoked(user, bystander);
  });
});

describe('slot reuse', () => {
  it('gives a revoked session’s slot to a new session only once every token carrying it has expired and every cached list showing it revoked is stale, with its bit clear', async () => {
    const local = await startHarness({ ACCESS_TOKEN_TTL: '60', STATUS_LIST_TTL: '10', CLOCK_SKEW: '5' });
    try {
      const first = await registerAndLogin(local);
      const slotOf = async (accessToken: string) =>
        (await local.database.db.prisma.session.findUniqueOrThrow({ where: { id: decodeJwt(accessToken).sid as string } }))
          .statusSlot;
      const slot = await slotOf(first.accessToken);
      await local.http.post('/auth/logout').set('Cookie', `${local.config.refreshCookieName}=${first.refreshToken}`).expect(204);

      local.clock.advance(60 + 5 - 1); // the logged-out session's last token may still verify
      const early = await registerAndLogin(local, uniqueEmail());
      expect(await slotOf(early.accessToken)).not.toBe(slot);

      local.clock.advance(1); // now none can, and lists built from now on show the bit clear …
      local.clock.advance(REBUILD_MS / 1000);
      expect(await bitOf(statusOf(first.accessToken), local)).toBe(0);
      local.clock.advance(10 + 2 - 1 - REBUILD_MS / 1000); // … but a copy cached before may live STATUS_LIST_TTL more
      const cautious = await registerAndLogin(local, uniqueEmail());
      expect(await slotOf(cautious.accessToken)).not.toBe(slot);

      local.clock.advance(1);
      const late = await registerAndLogin(local, uniqueEmail());
      expect(await slotOf(late.accessToken)).toBe(slot);
      expect(statusOf(late.accessToken)).toEqual(statusOf(first.accessToken));
      const row = await local.database.db.prisma.statusSlot.findUniqueOrThrow({ where: { slot: slot! } });
      expect(row).toMatchObject({ revoked: false, freeAt: null, holder: decodeJwt(late.accessToken).sid });

      // The old session's later deletion (housekeeping) must not touch the slot's new holder.
      await local.database.db.prisma.session.delete({ where: { id: decodeJwt(first.accessToken).sid as string } });
      expect((await local.database.db.prisma.statusSlot.findUniqueOrThrow({ where: { slot: slot! } })).revoked).toBe(false);
    } finally {
      await local.close();
    }
  });

  it('releases the slot of a session that expired unnoticed, once its last token has expired, without setting its bit', async () => {
    const local = await startHarness({
      REFRESH_TOKEN_TTL: '7200',
      REFRESH_IDLE_TTL: '3600',
      ACCESS_TOKEN_TTL: '600',
      CLOCK_SKEW: '0',
    });
    try {
      const user = await registerAndLogin(local);
      const sid = decodeJwt(user.accessToken).sid as string;
      const { statusSlot } = await local.database.db.prisma.session.findUniqueOrThrow({ where: { id: sid } });
      local.clock.advance(3600); // idle-expired now
      await purgeSessions(local.services);
      const row = await local.database.db.prisma.statusSlot.findUniqueOrThrow({ where: { slot: statusSlot! } });
      expect(row.revoked).toBe(false);
      expect(row.freeAt?.getTime()).toBe(local.clock.now().getTime() + 600_000);
      local.clock.advance(600 + local.config.statusListTtl + 2);
      const next = await registerAndLogin(local, uniqueEmail());
      expect(statusOf(next.accessToken)).toEqual(statusOf(user.accessToken));
    } finally {
      await local.close();
    }
  });

  it.runIf(usingPostgres())('gives simultaneous logins different slots (PostgreSQL)', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => registerAndLogin(h)));
    const loggedOut = users.slice(0, 5);
    await Promise.all(
      loggedOut.map((u) =>
        h.http.post('/auth/logout').set('Cookie', `${h.config.refreshCookieName}=${u.refreshToken}`).expect(204),
      ),
    );
    h.clock.advance(h.config.accessTokenTtl + h.config.clockSkew + h.config.statusListTtl + 3);
    const logins = await Promise.all(users.map((u) => h.http.post('/auth/login').send({ email: u.email, password: u.password })));
    const claims = logins.map((res) => {
      expect(res.status).toBe(200);
      return JSON.stringify(statusOf(res.body.access_token as string));
    });
    expect(new Set(claims).size).toBe(users.length);
  });
});

describe('encodeStatusList (§4.1)', () => {
  it('sets bit idx as the least significant bit first, ZLIB-compressed, base64url', () => {
    // The draft's example: statuses 1,0,0,1,1,1,0,1 | 1,1,0,0,0,1,0,1 → bytes 0xb9 0xa3.
    const lst = encodeStatusList([0, 3, 4, 5, 7, 8, 9, 13, 15], 16);
    expect([...inflateSync(Buffer.from(lst, 'base64url'))]).toEqual([0xb9, 0xa3]);
  });

  it('keeps a mostly empty list small', () => {
    expect(encodeStatusList([1, 4_000, 65_000]).length).toBeLessThan(200);
  });
});

describe('propagation through a parallel refresh burst', () => {
  it('keeps the one slot of the session whichever request wins the rotation', async () => {
    const user = await registerAndLogin(h);
    const results = await parallelRefreshes(h, user.refreshToken, 5);
    for (const r of results.filter((x) => x.status === 200)) {
      expect(statusOf(r.body.access_token!)).toEqual(statusOf(user.accessToken));
    }
  });
});
