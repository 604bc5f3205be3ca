import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/client-error.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// What Node would answer with an empty body gets the contract's JSON too, on the server that
// main.ts builds (createHttpServer): an HTTP/1.1 request without Host (RFC 9112 §3.2), and a
// client that does not finish its headers in time (408, RFC 9110 §15.5.9).

let h: Harness;
let server: Listening;
let port: number;
beforeAll(async () => {
  h = await startHarness();
  // A short header timeout, checked often, so the test waits a fraction of a second.
  server = await serve(createHttpServer(h.apps.public, { headersTimeoutMs: 300, connectionsCheckingIntervalMs: 50 }));
  port = server.port;
});
afterAll(() => closeAll(server, h));

/** Sends raw bytes (without ending the connection) and returns everything until the server closes it. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

const split = (response: string) => {
  const at = response.indexOf('\r\n\r\n');
  return { head: response.slice(0, at), body: JSON.parse(response.slice(at + 4)) as unknown };
};

describe('requests Node would answer with an empty body', () => {
  it('answers an HTTP/1.1 request without Host with 400 invalid_request as JSON', async () => {
    const { head, body } = split(await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/content-type: application\/json/i);
    expect(body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('Host') });
  });

  it('answers a POST without Host the same way, before any route runs', async () => {
    const { head, body } = split(
      await raw(
        'POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      ),
    );
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(body).toMatchObject({ error: 'invalid_request' });
  });

  it('serves HTTP/1.0 without Host (it has no Host requirement) and HTTP/1.1 with one', async () => {
    expect(await raw('GET /healthz HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers headers that never finish with 408 invalid_request as JSON, then closes', async () => {
    const { head, body } = split(await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head).toMatch(/connection: close/i);
    expect(body).toEqual({ error: 'invalid_request', error_description: 'request headers were not received in time' });
  });
});
