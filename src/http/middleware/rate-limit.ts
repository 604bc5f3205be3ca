import type { RequestHandler } from 'express';
import { AppError, tooManyRequests } from '../../errors.js';
import type { Refusal } from '../../limits/attempt-guard.js';
import type { Limits } from '../../limits/limits.js';
import type { OutcomeCounter } from '../../sessions/outcome.js';
import type { AuthRouteLimits } from '../auth-routes.js';

/**
 * The auth routes' limits as Express middleware. What is limited, where it is counted and
 * when it refuses is decided in src/limits/limits.ts; this hands it the client IP and answers
 * a refusal with 429 + Retry-After. RATE_LIMIT=false mounts nothing.
 */
export function rateLimitMiddleware(limits: Limits, metrics: Pick<OutcomeCounter, 'countRefusal'>): Partial<AuthRouteLimits> {
  if (!limits.enabled) return {};
  const perIp =
    (check: (ip: string | null) => Promise<Refusal | undefined>): RequestHandler =>
    async (req, _res, next) => {
      const refusal = await check(req.ip ?? null);
      if (refusal) {
        metrics.countRefusal(refusal);
        throw tooManyRequests(refusal.retryAfter);
      }
      next();
    };
  return {
    // Before the body is read: a flood costs a counter, not an argon2 hash.
    login: perIp((ip) => limits.loginPerIp.hit(ip)),
    loginAttempts: limits.loginAttempts,
    register: perIp(async (ip) => (await limits.registerTaken.check(ip)) ?? limits.registerPerIp.hit(ip)),
    registerRejected: async (error, req, _res, next) => {
      if (error instanceof AppError && error.code === 'email_taken') await limits.registerTaken.taken(req.ip ?? null);
      next(error);
    },
    refresh: perIp((ip) => limits.refreshPerIp.hit(ip)),
  };
}
