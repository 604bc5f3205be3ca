import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../support/auth.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

// The real process: SIGTERM → /readyz 503 → listener closed → in-flight requests finish →
// database closed → exit 0. The in-flight request is a slow upload: a login whose body is
// still arriving when the signal lands (a client on a slow link), so nothing in the server
// needs a test hook.

const started: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
});

async function start(env: Record<string, string> = {}) {
  const proc = await startServerProcess(env);
  started.push(proc);
  return proc;
}

/** Resolves once the process logged a line containing `text`. */
function logged(proc: ServerProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!proc.stdout.some((line) => line.includes(text))) return false;
      proc.child.stdout!.off('data', onData);
      resolve();
      return true;
    };
    const onData = () => void setImmediate(check);
    if (!check()) proc.child.stdout!.on('data', onData);
  });
}

/** A raw HTTP/1.1 connection, so a test can send a request in pieces. */
async function connect(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  let failure: Error | undefined;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', (error) => (failure = error));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  return {
    socket,
    /** Everything the server sent until it closed the connection. */
    async response(): Promise<{ status: number; headers: string; body: string }> {
      await closed;
      if (failure) throw failure;
      const [head = '', body = ''] = received.split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
    },
  };
}

const exitCode = (proc: ServerProcess) =>
  new Promise<number | null>((resolve) => {
    if (proc.child.exitCode !== null) resolve(proc.child.exitCode);
    else proc.child.once('exit', (code) => resolve(code));
  });

describe('graceful shutdown of the server process', { timeout: 60_000 }, () => {
  it('finishes an in-flight login after SIGTERM, answers /readyz 503 while draining, refuses new connections, exits 0', async () => {
    const proc = await start();
    const email = uniqueEmail('drain');
    const registered = await fetch(`${proc.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    expect((await fetch(`${proc.url}/readyz`)).status).toBe(200);

    // A login whose body is half sent, and a readiness probe whose headers are half sent.
    const body = JSON.stringify({ email, password: PASSWORD });
    const login = await connect(proc.url);
    login.socket.write(
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    const probe = await connect(proc.url);
    probe.socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
    // A full round trip after those writes: the server has read both before it sees the signal.
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
    const exited = exitCode(proc);

    proc.child.kill('SIGTERM');
    await logged(proc, '"draining"');

    const refused = net.connect(Number(new URL(proc.url).port), '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    // Refused by the kernel, or reset if it was still in the backlog while the listener closed.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(error.code);

    probe.socket.write('Connection: close\r\n\r\n');
    const ready = await probe.response();
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ error: 'temporarily_unavailable' });

    login.socket.write(body.slice(10));
    const answered = await login.response();
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ token_type: 'Bearer' });
    expect(answered.headers).toContain('set-cookie: lk_rt=');

    expect(await exited).toBe(0);
    const lines = proc.stdout.filter(Boolean).map((l) => JSON.parse(l) as { msg?: string; req?: { path?: string } });
    expect(lines.some((l) => l.msg === 'request completed' && l.req?.path === '/auth/login')).toBe(true);
    expect(lines.at(-1)?.msg).toBe('stopped');
  });

  it('bounds the drain by SHUTDOWN_TIMEOUT: a request that never completes is cut, and the process still exits 0', async () => {
    const proc = await start({ SHUTDOWN_TIMEOUT: '1' });
    const stuck = await connect(proc.url);
    stuck.socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const exited = exitCode(proc);

    proc.child.kill('SIGTERM');

    expect(await exited).toBe(0);
    await stuck.response(); // the server closed the connection
    expect(proc.stdout.some((l) => l.includes('drain timeout'))).toBe(true);
  });

  it('exits 0 on SIGTERM even when nothing reads its logs any more (stdout and stderr closed)', async () => {
    const proc = await start();
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
    // A log collector that died: the read ends of both pipes close. The shutdown's own lines are
    // the first to meet EPIPE, still buffered when the process exits; pino's exit-time flush used
    // to retry them for ever, and the process never exited.
    proc.child.stdout!.destroy();
    proc.child.stderr!.destroy();
    const exited = exitCode(proc);
    proc.child.kill('SIGTERM');
    const stillRunning = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 15 s'), 15_000).unref());
    expect(await Promise.race([exited, stillRunning])).toBe(0);
  });

  it('drains the same way on SIGINT', async () => {
    const proc = await start();
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
    expect(await proc.stop('SIGINT')).toBe(0);
  });
});
