import { STATUS_CODES, type RequestListener, type Server, createServer } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ServerTimeouts {
  /** Node's headersTimeout: a request whose headers take longer answers 408 (default 60 s). */
  headersTimeoutMs?: number;
  /** How often Node checks for that (default 30 s; tests shorten it). */
  connectionsCheckingIntervalMs?: number;
}

/**
 * The HTTP server for an Express app. Node's own answer to a request it refuses is a bare
 * status line with an empty body; here every one of them is the contract's JSON:
 * - HTTP/1.1 without Host: Node's check is off (`requireHostHeader: false`) so the app answers
 *   it (http/middleware/host.ts) like any other bad request;
 * - what the parser refuses before Express runs: answerClientErrorsAsJson.
 */
export function createHttpServer(app: RequestListener, timeouts: ServerTimeouts = {}): Server {
  const server = createServer(
    {
      requireHostHeader: false,
      ...(timeouts.headersTimeoutMs === undefined ? {} : { headersTimeout: timeouts.headersTimeoutMs }),
      ...(timeouts.connectionsCheckingIntervalMs === undefined
        ? {}
        : { connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs }),
    },
    app,
  );
  answerClientErrorsAsJson(server);
  return server;
}

/** What the parser refuses, by Node's error code: status and description (code: invalid_request). */
function refusal(code: string | undefined): { status: number; description: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': // RFC 6585 §5
      return { status: 431, description: 'request headers are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT': // RFC 9110 §15.5.9: the client was too slow to send its request
      return { status: 408, description: 'request headers were not received in time' };
    default:
      return { status: 400, description: 'malformed HTTP request' };
  }
}

/**
 * Requests Node's HTTP parser rejects before Express sees them (headers over 16 KiB,
 * malformed request lines, headers not complete within headersTimeout) would get Node's bare
 * status line with an empty body. Answer them with the contract's JSON error instead: 431 for
 * oversized headers, 408 for an idle header timeout, 400 for anything else the parser
 * refuses; then close the connection.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const { status, description } = refusal(error.code);
    const body = JSON.stringify({ error: 'invalid_request', error_description: description });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
