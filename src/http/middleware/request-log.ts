import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestLineLogger } from '../../logger.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id: the caller's X-Request-Id when sane, else a new UUID. */
    id?: string;
    /** The service logger; lines about this request carry `requestId` themselves. */
    log?: Logger;
  }
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per request, with its id; X-Request-Id is taken from the caller when sane, and
 * echoed. Redaction is structural: method, path without the query string, peer address and
 * status, never headers or bodies. Written with pino directly when the response ends (pino-http
 * did the same with a child logger and serializers per request, at about twice the cost here).
 */
export function requestLog(logger: Logger): RequestHandler {
  const lines = requestLineLogger(logger);
  return (req, res, next) => {
    const started = performance.now();
    const id = requestIdFor(req);
    req.id = id;
    req.log = logger;
    res.setHeader('X-Request-Id', id);
    const done = () => {
      res.off('close', done);
      res.off('finish', done);
      writeRequestLine(lines, req, res, id, started);
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}

/**
 * The request's line: its id, method, path without the query, peer, status and time; 5xx at error
 * level, an answer the client did not wait for at warn. Also written by the public documents'
 * handler (src/http/well-known-routes.ts), which answers ahead of this middleware.
 */
export function writeRequestLine(lines: Logger, req: IncomingMessage, res: ServerResponse, id: string, started: number): void {
  const statusCode = res.headersSent ? res.statusCode : undefined;
  const line = {
    // The same field name as on security-event lines: one key to search a request by.
    requestId: id,
    req: {
      id,
      method: req.method,
      path: pathOf((req as { originalUrl?: string }).originalUrl ?? req.url ?? ''),
      remoteAddress: req.socket.remoteAddress,
    },
    res: { statusCode },
    responseTime: Math.round(performance.now() - started),
  };
  if (!res.writableFinished) lines.warn(line, 'request aborted');
  else if ((statusCode ?? 0) >= 500) lines.error(line, 'request completed');
  else lines.info(line, 'request completed');
}

/** The path of a request target, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
