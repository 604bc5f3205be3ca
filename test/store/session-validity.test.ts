import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSeconds } from '../../src/clock.js';
import { sessionExpiry } from '../../src/sessions/refresh.js';
import { type Store, createStore } from '../../src/store/index.js';
import { type TestDatabase, freshDatabase } from '../support/database.js';

// One rule, three statements of it: a session is live while it is not revoked, before its
// absolute expiry and used within REFRESH_IDLE_TTL. The rotation statement says it in SQL
// (PRESENT_AND_ROTATE, src/store/session-statements.ts), the list of a user's sessions and
// DELETE /auth/sessions/:id in Prisma (liveSessionWhere, src/store/session-revocation.ts), and
// authentication and introspection in TypeScript (sessionExpiry, src/sessions/refresh.ts).
// At each edge, to the second, the three must give the same answer.

const IDLE = 60;
const T0 = new Date('2026-11-30T00:00:00.000Z');

let database: TestDatabase;
let store: Store;
let userId: string;
beforeAll(async () => {
  database = await freshDatabase();
  store = createStore(database.db);
  userId = (await store.users.create('validity@example.com', 'not-a-hash', T0)).id;
});
afterAll(async () => {
  await database?.drop();
});

/** A session created at T0 that ends absolutely at T0 + `absolute` s, with one unused refresh token. */
async function session(absolute: number) {
  const token = { id: randomUUID(), hash: randomUUID() };
  const created = await store.sessions.create({
    userId,
    now: T0,
    expiresAt: addSeconds(T0, absolute),
    token,
    ip: null,
    userAgent: null,
    statusTokenTtl: 0,
    statusReuseBefore: T0,
    event: { type: 'login_succeeded', userId },
  });
  return { record: created!, tokenHash: token.hash };
}

/** Each statement of the rule, asked about a fresh session at `now` (T0 + `at` s). */
async function answers(absolute: number, at: number) {
  const { record, tokenHash } = await session(absolute);
  const now = addSeconds(T0, at);
  const idleCutoff = addSeconds(now, -IDLE);
  const typescript = !record.revokedAt && !sessionExpiry(record, now, IDLE);
  const listed = (await store.sessions.listLive(userId, now, idleCutoff)).some((s) => s.id === record.id);
  const next = { id: randomUUID(), hash: randomUUID() };
  const { rotated } = await store.sessions.presentAndRotate({
    tokenHash,
    now,
    idleCutoff,
    next,
    successorSealed: null,
    clientId: 'latchkey',
  });
  return { typescript, prisma: listed, sql: rotated };
}

describe('the session-validity rule, in SQL, Prisma and TypeScript', () => {
  it.each([
    { edge: 'one second before the idle expiry', absolute: 1000, at: IDLE - 1, live: true },
    { edge: 'at the idle expiry', absolute: 1000, at: IDLE, live: false },
    { edge: 'one second before the absolute expiry', absolute: 30, at: 29, live: true },
    { edge: 'at the absolute expiry', absolute: 30, at: 30, live: false },
  ])('agrees $edge (live: $live)', async ({ absolute, at, live }) => {
    expect(await answers(absolute, at)).toEqual({ typescript: live, prisma: live, sql: live });
  });

  it('agrees that a revoked session is not live', async () => {
    const { record, tokenHash } = await session(1000);
    await store.sessions.revoke(record.id, 'logout', T0);
    const now = addSeconds(T0, 1);
    const idleCutoff = addSeconds(now, -IDLE);
    const [revoked] = await database.db.prisma.session.findMany({ where: { id: record.id }, select: { revokedAt: true } });
    const listed = (await store.sessions.listLive(userId, now, idleCutoff)).some((s) => s.id === record.id);
    const { rotated } = await store.sessions.presentAndRotate({
      tokenHash,
      now,
      idleCutoff,
      next: { id: randomUUID(), hash: randomUUID() },
      successorSealed: null,
      clientId: 'latchkey',
    });
    expect({ typescript: revoked?.revokedAt === null, prisma: listed, sql: rotated }).toEqual({
      typescript: false,
      prisma: false,
      sql: false,
    });
  });
});
