import type { Request } from 'express';
import type { RequestContext } from '../sessions/deps.js';

export function requestContext(req: Request): RequestContext {
  return {
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
    requestId: req.id ?? null,
  };
}
