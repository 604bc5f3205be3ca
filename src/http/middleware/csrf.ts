import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

/**
 * Cookie endpoints refuse cross-site browser requests before anything changes
 * (RFC 9700 §4.12 / OWASP CSRF cheat sheet: Origin check plus Fetch Metadata).
 * Origin present → it must be allowed. No Origin → `Sec-Fetch-Site: cross-site` is refused.
 * Neither → not a browser (curl, a backend): allowed, since it cannot ride a victim's cookie.
 */
export const sameOriginOnly =
  (allowedOrigins: readonly string[]): RequestHandler =>
  (req, _res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined) {
      if (!allowedOrigins.includes(origin)) return next(forbidden(`origin ${origin} is not allowed`));
      return next();
    }
    if (req.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return next(forbidden('cross-site request refused'));
    next();
  };

const forbidden = (description: string) => new AppError('forbidden_origin', description);
