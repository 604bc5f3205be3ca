import express, { type RequestHandler } from 'express';
import { AppError } from '../../errors.js';

// Small JSON bodies only: credentials fit in far less than this.
export const BODY_LIMIT = '8kb';

const jsonParser = express.json({ limit: BODY_LIMIT, strict: true, type: () => true });

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

const hasBody = (headers: Record<string, string | string[] | undefined>) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/**
 * JSON or nothing: a body must be `application/json` (415 otherwise). `required` routes
 * also refuse an empty body.
 */
export const jsonBody =
  ({ required }: { required: boolean }): RequestHandler =>
  (req, res, next) => {
    if (!hasBody(req.headers)) {
      if (required) return next(new AppError('unsupported_media_type', 'send a JSON body with Content-Type: application/json'));
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) {
      return next(new AppError('unsupported_media_type', 'Content-Type must be application/json'));
    }
    // RFC 8259 §8.1: JSON between systems is UTF-8. Other charsets (UTF-7, UTF-16…) are refused, not decoded.
    const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return next(new AppError('unsupported_media_type', 'request body charset must be utf-8'));
    }
    jsonParser(req, res, next);
  };
