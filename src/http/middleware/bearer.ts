import type { Request } from 'express';
import { invalidRequest, invalidToken, missingToken } from '../../errors.js';

/**
 * RFC 6750 §2.1: the Authorization header is the only accepted way; §2.3 (URI query) is
 * refused outright because URLs end up in logs and Referer headers (RFC 9700 §4.3.2).
 */
export function bearerToken(req: Request): string {
  if (req.query && Object.hasOwn(req.query, 'access_token')) {
    throw invalidRequest('access_token: tokens are not accepted in the URL; use the Authorization header');
  }
  const header = req.get('authorization');
  if (header === undefined) throw missingToken();
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match?.[1]) throw invalidToken('Authorization header must be "Bearer <token>"');
  return match[1];
}
