import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, temporarilyUnavailable } from '../../errors.js';
import { dependencyOutage } from '../../store/outage.js';

/** Unknown route: a JSON 404, never Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};

/** Known path, wrong method: 405 with an Allow header (RFC 9110 §15.5.6). */
export const methodNotAllowed =
  (...allowed: string[]): RequestHandler =>
  (req, _res, next) => {
    next(new AppError('method_not_allowed', `${req.method} is not allowed here`, { headers: { Allow: allowed.join(', ') } }));
  };

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Maps what body-parser throws to the contract's codes. */
function fromBodyParserType(error: BodyParserError): AppError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'request body is too large');
    case 'entity.parse.failed':
      return new AppError('invalid_request', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'request body encoding or charset is not supported');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('invalid_request', 'request body could not be read');
    default:
      return undefined;
  }
}

/**
 * The one error → JSON mapper. AppErrors answer as they are; a database that cannot serve now
 * (src/store/outage.ts) is 503 temporarily_unavailable + Retry-After, on every route (CONTRACT
 * "Errors": a dependency outage is never a 500); anything else is a `server_error` with no
 * detail. Both of the latter are logged with the request id.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, req: Request, res, _next) => {
  const appError =
    error instanceof AppError ? error : (fromBodyParser(error) ?? fromDependency(error, req) ?? unknown(error, req));
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
  res.status(appError.status).json(appError.toJSON());
};

function fromBodyParser(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const known = fromBodyParserType(error);
  if (known) return known;
  return (error as BodyParserError).status === 400 ? new AppError('invalid_request', 'malformed request') : undefined;
}

function fromDependency(error: unknown, req: Request): AppError | undefined {
  const outage = dependencyOutage(error);
  if (!outage) return undefined;
  // A stall or a restart is expected weather (warn); a schema the code does not know is not (error).
  const level = outage === 'schema' ? 'error' : 'warn';
  req.log?.[level]({ err: error, requestId: req.id, outage }, 'database unavailable');
  return temporarilyUnavailable(
    outage === 'timeout' ? 'the database is too slow to answer; try again' : 'the database is unavailable; try again',
  );
}

function unknown(error: unknown, req: Request): AppError {
  req.log?.error({ err: error, requestId: req.id }, 'unhandled error');
  return new AppError('server_error', 'internal server error');
}
