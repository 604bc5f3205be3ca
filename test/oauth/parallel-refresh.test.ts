import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/sessions/refresh-token.js';
import { lookupBarrier } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { serve } from '../support/listen.js';
import { type RegisteredClient, createClient, nativeLogin } from '../support/oauth.js';

// 20 simultaneous grant_type=refresh_token requests with one token, on PostgreSQL, where they
// really run concurrently on separate connections: the rotation statement alone decides.

/** Fires `count` token requests at once, one connection each. */
async function parallelGrants(h: Harness, client: RegisteredClient, token: string, count: number) {
  const server = await serve(h.apps.public);
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: client.client_id }).toString();
  try {
    return await Promise.all(
      Array.from({ length: count }, async () => {
        const res = await fetch(`${server.origin}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
          body,
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      }),
    );
  } finally {
    await server.close();
  }
}

describe.skipIf(!usingPostgres())('parallel refresh_token grants on PostgreSQL', () => {
  describe.each([
    ['grace window (REFRESH_REUSE_INTERVAL=10)', '10'],
    ['strict (REFRESH_REUSE_INTERVAL=0)', '0'],
  ])('%s', (_name, interval) => {
    let h: Harness;
    let app: RegisteredClient;
    beforeAll(async () => {
      h = await startHarness({ REFRESH_REUSE_INTERVAL: interval, RATE_LIMIT: 'false' });
      app = await createClient(h, { type: 'public', grant_types: ['refresh_token'] });
    });
    afterAll(() => h?.close());

    it('rotates exactly once', async () => {
      const login = await nativeLogin(h, app);
      const release = lookupBarrier(h, 20); // all 20 reach the database together
      const results = await parallelGrants(h, app, login.refreshToken, 20).finally(release);
      const session = await h.database.db.prisma.session.findFirstOrThrow({ where: { userId: login.userId } });
      const tokens = await h.database.db.prisma.refreshToken.findMany({ where: { sessionId: session.id } });
      expect(tokens).toHaveLength(2); // the presented token and its single successor
      const ok = results.filter((r) => r.status === 200);
      if (interval === '10') {
        // The grace window: every request gets the same successor, the family stays one line.
        expect(ok).toHaveLength(20);
        const successors = new Set(ok.map((r) => r.body.refresh_token));
        expect(successors.size).toBe(1);
        expect(tokens.map((t) => t.tokenHash)).toContain(hashRefreshToken([...successors][0]!));
        expect(session.revokedAt).toBeNull();
      } else {
        // Strict: one winner, the 19 others are reuse, and the family is revoked.
        expect(ok).toHaveLength(1);
        expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(19);
        expect(session.revokedReason).toBe('reuse_detected');
      }
    });
  });
});
