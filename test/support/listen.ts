import { type RequestListener, Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The one place tests listen on a real port. Everything binds 127.0.0.1; port 0 lets the OS
// pick a free one.

export interface Listening {
  server: Server;
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Drops open connections and stops listening; a second call does nothing. */
  close(): Promise<void>;
}

/**
 * Serves on 127.0.0.1 at `port` (0: one the OS picks): a request handler (an Express app), a
 * server built elsewhere (with its own handlers; one listening already is only looked at), or
 * nothing yet (attach one with `server.on('request', …)`, for an app that must know its own URL
 * before it is built).
 */
export async function serve(handler?: RequestListener | Server, port = 0): Promise<Listening> {
  const server = handler instanceof Server ? handler : createServer(handler);
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  const bound = (server.address() as AddressInfo).port;
  return { server, port: bound, origin: `http://127.0.0.1:${bound}`, close: () => closeServer(server) };
}

/** Stops a server if it is listening (closing its connections first, so no keep-alive holds it open). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * A port the OS says is free now, released again: for a configuration that must name its port
 * before the app is built (an ISSUER, a child process's PORT), or a port nothing listens on.
 */
export async function freePort(): Promise<number> {
  const probe = await serve();
  await probe.close();
  return probe.port;
}

/** Whether 127.0.0.1:port can be bound now (nothing holds it). */
export async function canListen(port: number): Promise<boolean> {
  try {
    await (await serve(undefined, port)).close();
    return true;
  } catch {
    return false;
  }
}
