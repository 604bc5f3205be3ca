import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, refresh, refreshCookie, registerAndLogin, uniqueEmail } from '../support/auth.js';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { undescribed } from '../support/openapi.js';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics on the admin listener', () => {
  let h: Harness;
  let text: string;

  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT: 'false' });
    // Traffic: a login, two failed ones, a rotation, a grace answer, a reuse, an admin route with a parameter, a 404.
    const user = await registerAndLogin(h);
    await h.http.post('/auth/login').send({ email: user.email, password: 'wrong password here' }).expect(401);
    await h.http.post('/auth/login').send({ email: uniqueEmail(), password: PASSWORD }).expect(401);
    const rotated = await refresh(h, user.refreshToken).expect(200);
    expect(refreshCookie(rotated, h.config.refreshCookieName)?.value).toBeTruthy();
    await refresh(h, user.refreshToken).expect(200); // a second tab inside the grace window
    h.clock.advance(60);
    await refresh(h, user.refreshToken).expect(401); // outside the window: reuse detected
    await h.admin.post('/admin/keys/not-a-key/revoke').expect(404);
    await undescribed(h.http.get('/no/such/path/12345')).expect(404);
    await h.http.get('/.well-known/jwks.json').expect(200);
    h.clock.advance(120);
    const res = await h.admin.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    text = res.text;
  });
  afterAll(() => h?.close());

  it('counts logins and refreshes by outcome', () => {
    expect(sample(text, 'latchkey_logins_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'latchkey_logins_total', { outcome: 'failure' })).toBe(2);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'grace' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'reuse_detected' })).toBe(1);
  });

  it('counts requests by method, route template and status, never by raw path', () => {
    const count = (method: string, route: string, status: string) =>
      sample(text, 'latchkey_http_requests_total', { method, route, status });
    expect(count('POST', '/auth/login', '200')).toBe(1);
    expect(count('POST', '/auth/login', '401')).toBe(2);
    expect(count('POST', '/auth/refresh', '200')).toBe(2);
    expect(count('POST', '/auth/refresh', '401')).toBe(1);
    expect(count('POST', '/admin/keys/:kid/revoke', '404')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);
    expect(count('GET', '/.well-known/jwks.json', '200')).toBe(1);
    expect(text).not.toContain('not-a-key');
    expect(text).not.toContain('12345');
  });

  it('records request latency in a histogram with the same labels', () => {
    const labels = { method: 'POST', route: '/auth/login', status: '401' };
    expect(sample(text, 'latchkey_http_request_duration_seconds_count', labels)).toBe(2);
    expect(sample(text, 'latchkey_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(2);
    expect(sample(text, 'latchkey_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('reports the active signing key age from the injected clock', async () => {
    const [active] = (await h.services.keyAdmin.list()).filter((k) => k.state === 'active');
    const age = (h.clock.now().getTime() - active!.activatesAt.getTime()) / 1000;
    expect(age).toBeGreaterThanOrEqual(180);
    expect(sample(text, 'latchkey_signing_key_age_seconds', { kid: active!.kid, alg: 'ES256' })).toBe(age);
  });

  it('exposes event-loop lag and process metrics', () => {
    expect(sample(text, 'latchkey_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'latchkey_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'latchkey_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it.runIf(usingPostgres())('reports the PostgreSQL connection pool', () => {
    expect(sample(text, 'latchkey_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'latchkey_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'latchkey_db_pool_waiting_queries')).toBe(0);
  });

  it('counts rate-limit rejections by limiter', async () => {
    const limited = await startHarness();
    try {
      const email = uniqueEmail();
      let status = 0;
      for (let i = 0; i < 30 && status !== 429; i++) {
        status = (await limited.http.post('/auth/login').send({ email, password: 'wrong password here' })).status;
      }
      expect(status).toBe(429);
      const after = (await limited.admin.get('/metrics').expect(200)).text;
      const rejections = after
        .split('\n')
        .filter((l) => l.startsWith('latchkey_rate_limit_rejections_total{'))
        .map((l) => Number(l.split(' ')[1]));
      expect(rejections.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
