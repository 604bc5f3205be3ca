import { createServer } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrorsAsJson } from '../../src/http/client-error.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Listening, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// What Node's HTTP parser refuses before Express runs still answers with the contract's JSON.

let h: Harness;
let server: Listening;
let port: number;
beforeAll(async () => {
  h = await startHarness();
  const plain = createServer(h.apps.public);
  answerClientErrorsAsJson(plain);
  server = await serve(plain);
  port = server.port;
});
afterAll(() => closeAll(server, h));

/** Sends raw bytes and returns the whole raw response (the server closes the connection). */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;

describe('requests the HTTP parser refuses', () => {
  it('answers 431 invalid_request as JSON for headers over the limit', async () => {
    const response = await raw(`GET /auth/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toMatch(/content-type: application\/json/i);
    expect(bodyOf(response)).toEqual({ error: 'invalid_request', error_description: 'request headers are too large' });
  });

  it('answers 400 invalid_request as JSON for a malformed request line', async () => {
    const response = await raw('NOT A REQUEST\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(response)).toEqual({ error: 'invalid_request', error_description: 'malformed HTTP request' });
  });

  it('still serves well-formed requests on the same server', async () => {
    const response = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
  });
});
