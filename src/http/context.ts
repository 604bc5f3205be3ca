import type { Request } from 'express';
import type { RequestContext } from '../sessions/deps.js';

export function requestContext(req: Request): RequestContext {
  return {
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
    requestId: typeof req.id === 'string' ? req.id : req.id !== undefined ? String(req.id) : null,
  };
}
