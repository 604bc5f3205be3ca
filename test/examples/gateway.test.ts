import type { IncomingHttpHeaders } from 'node:http';
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createGateway } from '../../examples/gateway/app.js';
import { FakeIssuer } from '../support/fake-issuer.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// examples/gateway in front of a fake upstream that echoes what it receives: identity headers
// come only from a verified token, never from the client.

interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let issuer: FakeIssuer;
let upstream: Listening;
let received: Echo[];
let gateway: supertest.Agent;

beforeAll(async () => {
  issuer = await FakeIssuer.start();
  upstream = await serve((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const echo = { method: req.method!, url: req.url!, headers: req.headers, body };
      received.push(echo);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    });
  });
  gateway = supertest.agent(createGateway({ issuer: issuer.url, audience: 'api', upstream: upstream.origin }));
});
afterAll(() => closeAll(upstream, issuer));
beforeEach(() => {
  received = [];
});

it('forwards the verified identity and drops every X-Auth-* header the client sent', async () => {
  const { token } = await issuer.issue({
    claims: { sub: 'user-7', scope: 'orders:read orders:write', roles: ['clerk', 'auditor'] },
  });
  const res = await gateway
    .post('/orders/42?expand=lines')
    .set('authorization', `Bearer ${token}`)
    .set('X-Auth-Subject', 'admin')
    .set('x-auth-scope', 'admin:*')
    .set('X-AUTH-ROLES', 'admin')
    .set('X-Auth-Tenant', 'other')
    .send({ quantity: 2 })
    .expect(200);
  expect(received).toHaveLength(1);
  const { headers, url, method, body } = res.body as Echo;
  expect({ method, url, body }).toEqual({ method: 'POST', url: '/orders/42?expand=lines', body: '{"quantity":2}' });
  expect(headers['x-auth-subject']).toBe('user-7');
  expect(headers['x-auth-scope']).toBe('orders:read orders:write');
  expect(headers['x-auth-roles']).toBe('clerk auditor');
  expect(headers['x-auth-tenant']).toBeUndefined();
  expect(headers['x-forwarded-for']).toBeDefined();
});

it('sends empty scope and roles headers for a token without them, never the spoofed ones', async () => {
  const { token } = await issuer.issue({ claims: { sub: 'service-1' } });
  const res = await gateway.get('/reports').set('authorization', `Bearer ${token}`).set('x-auth-roles', 'admin').expect(200);
  const { headers } = res.body as Echo;
  expect(headers).toMatchObject({ 'x-auth-subject': 'service-1', 'x-auth-scope': '', 'x-auth-roles': '' });
});

it('answers 401 without a valid token and never reaches the upstream', async () => {
  const none = await gateway.get('/orders').set('X-Auth-Subject', 'admin').expect(401);
  expect(none.headers['www-authenticate']).toBe('Bearer');
  expect(none.body.error).toBe('invalid_token');

  // A list the gateway has not cached yet (a cached one would speak for up to its ttl).
  const { token, idx } = await issuer.issue({ list: '2' });
  issuer.setBit(idx, true, '2'); // logged out before the gateway saw the token
  const revoked = await gateway.get('/orders').set('authorization', `Bearer ${token}`).expect(401);
  expect(revoked.body).toEqual({ error: 'invalid_token', error_description: 'the access token has been revoked' });
  expect(received).toHaveLength(0);
});
