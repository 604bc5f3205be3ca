import express, { type RequestHandler } from 'express';
import { AppError, invalidRequest } from '../../errors.js';
import { BODY_LIMIT } from './body.js';

// RFC 6749 §3.2: token, revocation and introspection requests are
// application/x-www-form-urlencoded, UTF-8 (Appendix B).

const textParser = express.text({ limit: BODY_LIMIT, type: () => true, defaultCharset: 'utf-8' });
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** The request's parameters: each at most once, empty ones left out (RFC 6749 §3.1). */
export type FormParams = Readonly<Record<string, string>>;

/**
 * Parses the form body into `req.body` (a FormParams). Another content type is 415; a
 * parameter sent twice is invalid_request (RFC 6749 §3.2: "Request and response parameters
 * MUST NOT be included more than once").
 */
export const formBody: RequestHandler = (req, res, next) => {
  if (!req.is('application/x-www-form-urlencoded')) {
    return next(new AppError('unsupported_media_type', 'Content-Type must be application/x-www-form-urlencoded'));
  }
  const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return next(new AppError('unsupported_media_type', 'request body charset must be utf-8'));
  }
  textParser(req, res, (error?: unknown) => {
    if (error) return next(error);
    try {
      req.body = parseForm(typeof req.body === 'string' ? req.body : '');
      next();
    } catch (parseError) {
      next(parseError);
    }
  });
};

export function parseForm(text: string): FormParams {
  const params = Object.create(null) as Record<string, string>;
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (seen.has(name)) throw invalidRequest(`${printable(name)}: sent more than once (RFC 6749 §3.2)`);
    seen.add(name);
    if (value !== '') params[name] = value;
  }
  return params;
}

const printable = (name: string) => name.slice(0, 64).replace(/[^\x21-\x7E]/g, '?');
