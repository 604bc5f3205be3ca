import { type IncomingMessage, type RequestListener, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REBUILD_MS } from '../../src/tokens/status-list.js';
import { registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// GET /statuslists/:id on the public listener (src/app.ts publicListener): a list this instance
// holds fresh is answered ahead of Express (src/http/status-list-routes.ts statusListDocuments).
// What a client sees must not tell the two apart: status, headers in order, body, the request
// line and the metrics. Both listeners serve the same services (one cache), side by side.

let h: Harness;
const servers: Server[] = [];
let fast: string;
let express: string;

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  /** Raw header lines in the order sent, without Date (the second may turn between the two). */
  headers: string[];
  body: string;
}

function get(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port: Number(port), path, method, headers }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('latin1')));
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode!, headers: lines, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same request to both listeners, the Express one first (it builds the list if needed). */
async function both(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const slow = await get(express, path, headers, method);
  return { slow, quick: await get(fast, path, headers, method) };
}

let listPath: string;
beforeAll(async () => {
  h = await startHarness();
  fast = await serve(h.apps.publicListener);
  express = await serve(h.apps.public);
  const user = await registerAndLogin(h);
  listPath = new URL(
    (
      JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()) as {
        status: { status_list: { uri: string } };
      }
    ).status.status_list.uri,
  ).pathname;
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await h?.close();
});

describe('GET /statuslists/:id ahead of Express', () => {
  it('answers byte-identical headers and body: 200, 304 on its ETag, HEAD', async () => {
    const id = { 'X-Request-Id': 'same-id-1' };
    const ok = await both(listPath, id);
    // The second answer came from the copy, without Express's route.
    const built = vi.spyOn(h.services.statusLists, 'document');
    expect(await get(fast, listPath, id)).toEqual(ok.quick);
    expect(built).not.toHaveBeenCalled();
    built.mockRestore();
    expect(ok.slow.status).toBe(200);
    expect(ok.slow.headers).toContain('Content-Type: application/statuslist+jwt');
    expect(
      ok.slow.headers.some((l) => l.startsWith('Strict-Transport-Security') || l.startsWith('Content-Security-Policy')),
    ).toBe(true);
    expect(ok.quick).toEqual(ok.slow);

    const etag = ok.slow.headers.find((l) => l.startsWith('ETag: '))!.slice('ETag: '.length);
    for (const ifNoneMatch of [etag, `"other", ${etag}`]) {
      const notModified = await both(listPath, { ...id, 'If-None-Match': ifNoneMatch });
      expect(notModified.slow.status).toBe(304);
      expect(notModified.quick).toEqual(notModified.slow);
    }
    const head = await both(listPath, id, 'HEAD');
    expect(head.slow.status).toBe(200);
    expect(head.quick).toEqual(head.slow);
  });

  it('answers the same for what it leaves to Express: a stale copy, a weak or other tag, another case, an unknown list, POST', async () => {
    const id = { 'X-Request-Id': 'same-id-2' };
    for (const [path, headers, method] of [
      [listPath, { 'If-None-Match': '"not-it"' }, 'GET'],
      [listPath, { 'If-None-Match': '*' }, 'GET'],
      [listPath.toUpperCase(), {}, 'GET'],
      [`${listPath}/`, {}, 'GET'],
      ['/statuslists/999', {}, 'GET'],
      ['/statuslists/0', {}, 'GET'],
      [listPath, {}, 'POST'],
    ] as const) {
      const answer = await both(path, { ...id, ...headers }, method);
      expect(answer.quick, `${method} ${path} ${JSON.stringify(headers)}`).toEqual(answer.slow);
    }
    h.clock.advance(REBUILD_MS / 1000);
    const stale = await get(fast, listPath, id);
    expect(stale.status).toBe(200);
    expect(stale).toEqual(await get(fast, listPath, id)); // the first was built by Express, the second is the copy
  });

  it('writes the same request line and counts the same metric as Express', async () => {
    const metrics = async () => (await h.admin.get('/metrics').set('Authorization', `Bearer ${h.config.adminToken}`)).text;
    const count = async () =>
      Number(
        /latchkey_http_requests_total\{method="GET",route="\/statuslists\/:id",status="200"\} (\d+)/.exec(await metrics())?.[1],
      );
    const before = await count();
    await get(express, listPath, { 'X-Request-Id': 'line-express' });
    await get(fast, listPath, { 'X-Request-Id': 'line-fast' });
    expect(await count()).toBe(before + 2);
    const line = (id: string) => {
      const record = h.logs.records().find((r) => r.requestId === id && r.msg === 'request completed')!;
      const {
        time: _time,
        responseTime: _responseTime,
        requestId: _requestId,
        req,
        ...rest
      } = record as Record<string, unknown> & {
        req: Record<string, unknown>;
      };
      return { ...rest, req: { ...req, id: undefined } };
    };
    expect(line('line-fast')).toEqual(line('line-express'));
  });
});
