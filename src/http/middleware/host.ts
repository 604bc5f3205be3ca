import type { RequestHandler } from 'express';
import { invalidRequest } from '../../errors.js';

/**
 * RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header. Node
 * would do it with an empty body; the server leaves it to this middleware (createHttpServer),
 * so the answer is the contract's JSON. HTTP/1.0 has no Host requirement.
 */
export const requireHost: RequestHandler = (req, _res, next) => {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined) {
    next(invalidRequest('the Host header is required (RFC 9112 §3.2)'));
    return;
  }
  next();
};
