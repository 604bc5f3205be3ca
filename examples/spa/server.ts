import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Serves the example page. It must be on the same *site* as Latchkey (scheme + registrable
// domain; ports do not matter), e.g. http://localhost:5173 with Latchkey at
// http://localhost:3000, and its origin must be in Latchkey's ALLOWED_ORIGINS.
//   ALLOWED_ORIGINS=http://localhost:5173 npm start
//   LATCHKEY_URL=http://localhost:3000 node --import tsx examples/spa/server.ts

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/latchkey-session.js': 'latchkey-session.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface SpaServerOptions {
  /** Where the page finds Latchkey, e.g. http://localhost:3000. */
  latchkeyUrl: string;
  port?: number;
  host?: string;
}

export async function startSpaServer({ latchkeyUrl, port = 5173, host = '127.0.0.1' }: SpaServerOptions): Promise<Server> {
  const latchkey = new URL(latchkeyUrl).origin;
  const config = `export const LATCHKEY_URL = ${JSON.stringify(latchkey)};\n`;
  const headers = {
    // Only this page's own scripts run; it talks to itself and to Latchkey, nothing else.
    'Content-Security-Policy': `default-src 'self'; connect-src 'self' ${latchkey}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  const serveFile = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://spa');
    if (url.pathname === '/config.js') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.js'] }).end(config);
      return;
    }
    const file = FILES[url.pathname];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = await readFile(path.join(import.meta.dirname, file));
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)]! }).end(body);
  };
  const server = createServer((req, res) => {
    serveFile(req, res).catch((error: unknown) => {
      console.error(error);
      res.writeHead(500, { ...headers, 'Content-Type': 'text/plain' }).end('internal error');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const latchkeyUrl = process.env.LATCHKEY_URL ?? 'http://localhost:3000';
  const server = await startSpaServer({ latchkeyUrl, port: Number(process.env.PORT ?? 5173) });
  const { port } = server.address() as { port: number };
  console.log(
    `example app on http://localhost:${port} (Latchkey at ${latchkeyUrl}; its ALLOWED_ORIGINS must include http://localhost:${port})`,
  );
  process.once('SIGTERM', () => server.close());
  process.once('SIGINT', () => server.close());
}
