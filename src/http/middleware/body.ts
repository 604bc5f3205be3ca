import express, { type RequestHandler } from 'express';
import { AppError } from '../../errors.js';

// Small JSON bodies only: credentials fit in far less than this.
export const BODY_LIMIT = '8kb';

const jsonParser = express.json({ limit: BODY_LIMIT, strict: true, type: () => true });

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
      if (required)
        return next(new AppError('unsupported_media_type', 415, 'send a JSON body with Content-Type: application/json'));
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) {
      return next(new AppError('unsupported_media_type', 415, 'Content-Type must be application/json'));
    }
    jsonParser(req, res, next);
  };
