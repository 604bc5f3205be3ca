import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { invalidToken, missingToken } from '../../errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * When ADMIN_TOKEN is set, every admin request needs `Authorization: Bearer <ADMIN_TOKEN>`
 * (compared in constant time). Without it the listener is loopback-only (config enforces).
 */
export function adminAuth(adminToken: string | undefined): RequestHandler {
  if (!adminToken) return (_req, _res, next) => next();
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next(missingToken());
    const match = /^Bearer +(\S+)$/i.exec(header.trim());
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) return next(invalidToken('admin token is not valid'));
    next();
  };
}
