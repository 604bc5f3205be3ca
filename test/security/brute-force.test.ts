import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '../support/database.js';
import { type Harness, startHarness } from '../support/harness.js';
import { PASSWORD, register, uniqueEmail, newIp } from '../support/auth.js';

// Limits as documented in SECURITY.md / src/limits/policy.ts. Client IPs come from
// X-Forwarded-For (TRUST_PROXY=loopback), so each test plays its own set of clients.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ TRUST_PROXY: 'loopback' });
});
afterAll(() => h?.close());

const login = (email: string, password: string, ip: string, agent = h.http) =>
  agent.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });

async function failTimes(n: number, email: string, ip: string) {
  for (let i = 0; i < n; i++) {
    const res = await login(email, 'wrong password!', ip);
    expect(res.status).toBe(401);
  }
}

async function metric(name: string, labels: string): Promise<number> {
  const text = (await h.admin.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('password guessing against one account (per email + IP)', () => {
  it('locks the email for that IP after 5 consecutive failures: 429 with Retry-After, even with the right password', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    await failTimes(5, email, ip);
    const res = await login(email, PASSWORD, ip);
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
    expect(res.headers['retry-after']).toBe('300');
  });

  it('records one login_locked security event (row and log line) and counts refused attempts in metrics', async () => {
    const user = await register(h.http);
    const ip = newIp();
    const lockedBefore = await metric('latchkey_logins_total', 'outcome="locked"');
    const limitedBefore = await metric('latchkey_rate_limit_rejections_total', 'limiter="login_pair"');
    await failTimes(5, user.email, ip);
    await login(user.email, PASSWORD, ip).expect(429);
    await login(user.email, PASSWORD, ip).expect(429);

    const events = await h.services.store.events.list({ type: 'login_locked', userId: user.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ip, details: { scope: 'email_ip', seconds: 300, lockouts: 1 } });
    expect(events[0]?.requestId).toEqual(expect.any(String));
    const lines = h.logs.records().filter((r) => r.securityEvent === 'login_locked' && r.userId === user.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.requestId).toBe(events[0]?.requestId);
    expect(await metric('latchkey_logins_total', 'outcome="locked"')).toBe(lockedBefore + 2);
    expect(await metric('latchkey_rate_limit_rejections_total', 'limiter="login_pair"')).toBe(limitedBefore + 2);
  });

  it('does not lock other accounts tried from the same IP', async () => {
    const victim = await register(h.http);
    const other = await register(h.http);
    const ip = newIp();
    await failTimes(5, victim.email, ip);
    await login(victim.email, PASSWORD, ip).expect(429);
    await login(other.email, PASSWORD, ip).expect(200);
  });

  it("does not keep the owner out from the owner's own IP while an attacker's IP is locked", async () => {
    const { email } = await register(h.http);
    const attacker = newIp();
    await failTimes(5, email, attacker);
    await login(email, PASSWORD, attacker).expect(429);
    await login(email, PASSWORD, newIp()).expect(200);
  });

  it('ends the lock when Retry-After has passed (moving the clock, no waiting)', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    await failTimes(5, email, ip);
    h.clock.advance(299);
    await login(email, PASSWORD, ip).expect(429);
    h.clock.advance(1);
    await login(email, PASSWORD, ip).expect(200);
  });

  it('doubles the lock for each repeat lockout, up to an hour', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    const retryAfters: string[] = [];
    for (let round = 0; round < 6; round++) {
      await failTimes(5, email, ip);
      const res = await login(email, PASSWORD, ip).expect(429);
      retryAfters.push(res.headers['retry-after'] as string);
      h.clock.advance(Number(res.headers['retry-after']));
    }
    expect(retryAfters).toEqual(['300', '600', '1200', '2400', '3600', '3600']);
  });

  it('resets the consecutive-failure count on a successful login', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    await failTimes(4, email, ip);
    await login(email, PASSWORD, ip).expect(200);
    await failTimes(4, email, ip);
    await login(email, PASSWORD, ip).expect(200);
  });

  it('locks an unknown email exactly like a real one, so lockout reveals nothing', async () => {
    const ip = newIp();
    const ghost = uniqueEmail('ghost');
    await failTimes(5, ghost, ip);
    const res = await login(ghost, PASSWORD, ip);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('300');
  });

  it('counts the normalised email, so case and spaces do not buy extra guesses', async () => {
    const { email } = await register(h.http);
    const ip = newIp();
    await failTimes(3, email, ip);
    await failTimes(2, ` ${email.toUpperCase()} `, ip);
    await login(email, PASSWORD, ip).expect(429);
  });
});

describe('a distributed guess at one account (per email, all IPs)', () => {
  it('after 50 failures refuses the email from new IPs, but not from an IP the owner has used', async () => {
    const owner = await register(h.http);
    const home = newIp();
    await login(owner.email, PASSWORD, home).expect(200);
    for (let i = 0; i < 50; i++) await login(owner.email, 'wrong password!', `203.0.113.${i + 1}`).expect(401);

    const res = await login(owner.email, PASSWORD, newIp());
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await login(owner.email, PASSWORD, home).expect(200);
    const events = await h.services.store.events.list({ type: 'login_locked', userId: owner.id });
    expect(events.map((e) => e.details?.scope)).toEqual(['email']);

    h.clock.advance(3600);
    await login(owner.email, PASSWORD, newIp()).expect(200);
  });
});

describe('request rates per client IP', () => {
  it('refuses the 101st login request in a minute from one IP, whatever the body', async () => {
    const ip = newIp();
    for (let i = 0; i < 100; i++) await h.http.post('/auth/login').set('X-Forwarded-For', ip).send({}).expect(400);
    const res = await h.http.post('/auth/login').set('X-Forwarded-For', ip).send({});
    expect(res.status).toBe(429);
    expect(res.body.error).toBe('too_many_requests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await h.http.post('/auth/login').set('X-Forwarded-For', newIp()).send({}).expect(400);
    h.clock.advance(60);
    await h.http.post('/auth/login').set('X-Forwarded-For', ip).send({}).expect(400);
  });

  it('limits email_taken answers per IP, so registration is no enumeration oracle', async () => {
    const ip = newIp();
    const { email } = await register(h.http);
    for (let i = 0; i < 20; i++) {
      await h.http.post('/auth/register').set('X-Forwarded-For', ip).send({ email, password: PASSWORD }).expect(409);
    }
    const res = await h.http.post('/auth/register').set('X-Forwarded-For', ip).send({ email: uniqueEmail(), password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    await h.http
      .post('/auth/register')
      .set('X-Forwarded-For', newIp())
      .send({ email: uniqueEmail(), password: PASSWORD })
      .expect(201);
  });

  it('refuses the 101st registration request in an hour from one IP', async () => {
    const ip = newIp();
    for (let i = 0; i < 100; i++) await h.http.post('/auth/register').set('X-Forwarded-For', ip).send({}).expect(400);
    await h.http.post('/auth/register').set('X-Forwarded-For', ip).send({}).expect(429);
  });

  it('refuses the 301st refresh request in a minute from one IP', async () => {
    const ip = newIp();
    for (let i = 0; i < 300; i++) await h.http.post('/auth/refresh').set('X-Forwarded-For', ip).expect(401);
    const res = await h.http.post('/auth/refresh').set('X-Forwarded-For', ip);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe.runIf(usingPostgres())('several instances on one PostgreSQL', () => {
  it('share the counters: failures on either instance add up to one lockout', async () => {
    const other = await h.startInstance({ TRUST_PROXY: 'loopback' });
    const { email } = await register(h.http);
    const ip = newIp();
    await failTimes(3, email, ip);
    for (let i = 0; i < 2; i++) await login(email, 'wrong password!', ip, other.http).expect(401);
    await login(email, PASSWORD, ip).expect(429);
    await login(email, PASSWORD, ip, other.http).expect(429);
  });
});

describe('RATE_LIMIT=false', () => {
  it('turns every limit off', async () => {
    const off = await startHarness({ RATE_LIMIT: 'false' });
    try {
      const { email } = await register(off.http);
      for (let i = 0; i < 6; i++) await off.http.post('/auth/login').send({ email, password: 'wrong password!' }).expect(401);
      await off.http.post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    } finally {
      await off.close();
    }
  });
});
