import { createServer } from 'node:http';
import { type Verifier, createVerifier } from '@latchkey/verify';
import express from 'express';
import supertest from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeIssuer } from '../support/fake-issuer.js';

// requireAuth answers as RFC 6750 §3 says, in the contract's JSON error shape.

let issuer: FakeIssuer;
let verifier: Verifier;
let api: supertest.Agent;

beforeEach(async () => {
  issuer = await FakeIssuer.start();
  verifier = createVerifier({ issuer: issuer.url, audience: 'api', clock: issuer.clock });
  const app = express();
  app.get('/me', verifier.requireAuth(), (req, res) => {
    res.json({ sub: req.auth!.sub, scope: req.auth!.scope ?? null });
  });
  app.get('/orders', verifier.requireAuth({ scope: ['orders:read', 'orders:export'] }), (_req, res) => {
    res.json({ orders: [] });
  });
  app.get('/admin', verifier.requireAuth({ roles: ['admin'] }), (_req, res) => {
    res.json({ ok: true });
  });
  api = supertest.agent(app);
});
afterEach(async () => {
  await issuer?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('requireAuth', () => {
  it('passes a valid token and puts its claims on req.auth', async () => {
    const { token } = await issuer.issue({ claims: { sub: 'user-1', scope: 'orders:read' } });
    const res = await api.get('/me').set(bearer(token)).expect(200);
    expect(res.body).toEqual({ sub: 'user-1', scope: 'orders:read' });
  });

  it('answers a request without a token with 401 and a bare Bearer challenge', async () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const res = await api.get('/me').set(headers).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({ error: 'invalid_token', error_description: 'access token required' });
    }
  });

  it('answers an invalid, expired or revoked token with 401 invalid_token and the error in the challenge', async () => {
    const { token, idx } = await issuer.issue();
    const forged = `${token.slice(0, -4)}AAAA`;
    const res = await api.get('/me').set(bearer(forged)).expect(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="the token signature is not valid"',
    );
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'the token signature is not valid' });

    await api.get('/me').set(bearer(token)).expect(200);
    issuer.setBit(idx);
    issuer.clock.advance(issuer.statusListTtl + 1);
    const gone = await api.get('/me').set(bearer(token)).expect(401);
    expect(gone.body.error_description).toBe('the access token has been revoked');
    expect(gone.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('answers a missing permission with 403 insufficient_scope naming the scope the resource needs', async () => {
    const { token } = await issuer.issue({ claims: { scope: 'orders:read' } });
    const res = await api.get('/orders').set(bearer(token)).expect(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks the scope orders:export' });
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="the token lacks the scope orders:export", scope="orders:read orders:export"',
    );
    const both = await issuer.issue({ claims: { scope: 'orders:export profile orders:read' } });
    await api.get('/orders').set(bearer(both.token)).expect(200);
  });

  it('answers a missing role with 403 insufficient_scope', async () => {
    const clerk = await issuer.issue({ claims: { roles: ['clerk'] } });
    const res = await api.get('/admin').set(bearer(clerk.token)).expect(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks the role admin' });
    const admin = await issuer.issue({ claims: { roles: ['clerk', 'admin'] } });
    await api.get('/admin').set(bearer(admin.token)).expect(200);
  });

  it('never takes a token from the URL query (RFC 6750 §2.3)', async () => {
    const { token } = await issuer.issue();
    const res = await api.get(`/me?access_token=${token}`).expect(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
    await api.get(`/me?access_token=${token}`).set(bearer(token)).expect(400);
  });

  it('answers 503 temporarily_unavailable with Retry-After when the issuer is down and nothing is cached', async () => {
    const { token } = await issuer.issue();
    issuer.down = true;
    const res = await api.get('/me').set(bearer(token)).expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the token issuer cannot be reached; try again later',
    });
  });

  it('works on a bare node:http server too', async () => {
    const handler = verifier.requireAuth();
    const server = createServer((req, res) => {
      handler(req, res, (error) => {
        res.writeHead(error ? 500 : 200).end(error ? 'error' : `hello ${(req as { auth?: { sub: string } }).auth?.sub}`);
      });
    });
    const { token } = await issuer.issue({ claims: { sub: 'user-2' } });
    const res = await supertest(server).get('/').set(bearer(token)).expect(200);
    expect(res.text).toBe('hello user-2');
    await supertest(server).get('/').expect(401);
  });

  it('refuses a requirement that could not appear in a header', () => {
    expect(() => verifier.requireAuth({ scope: ['orders read'] })).toThrow(/scope token/);
    expect(() => verifier.requireAuth({ roles: ['a"b'] })).toThrow(/scope token/);
  });
});
