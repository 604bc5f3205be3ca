import type { Request, RequestHandler } from 'express';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { AppError, tooManyRequests } from '../../errors.js';
import { ClockedRateLimiter } from '../../limits/clocked-limiter.js';
import { type CounterBackend, MemoryCounters } from '../../limits/counters.js';
import { AttemptLimiter, CLIENT_SECRET_GUARD, LOGIN_GUARD, type MakeLimiter, counterKey } from '../../limits/attempt-guard.js';
import { LIMIT_POLICY, type LimitPolicy } from '../../limits/policy.js';
import type { Metrics } from '../../metrics.js';
import type { Store } from '../../store/index.js';
import type { AuthRouteLimits } from '../auth-routes.js';

export interface RateLimitDeps {
  clock: Clock;
  metrics: Metrics;
  policy?: LimitPolicy;
}

/**
 * Brute-force and abuse limits for the auth routes (policy: src/limits/policy.ts, SECURITY.md).
 * Counters live in the database when it is PostgreSQL, so every instance shares them; in
 * memory for the embedded single-process database. RATE_LIMIT=false turns them all off.
 */
export function createRateLimits(config: Config, store: Store, deps: RateLimitDeps): Partial<AuthRouteLimits> {
  if (!config.rateLimit) return {};
  const policy = deps.policy ?? LIMIT_POLICY;
  const backend: CounterBackend = store.kind === 'postgres' ? store.rateLimits : new MemoryCounters();
  const make: MakeLimiter = (name, { points, duration }) =>
    new ClockedRateLimiter({ keyPrefix: name, points, duration }, backend, deps.clock);
  const limited = (name: string, res: RateLimiterRes) => {
    deps.metrics.rateLimited.inc({ limiter: name });
    return tooManyRequests(res.msBeforeNext / 1000);
  };
  const perIp = (name: string, limiter: RateLimiterAbstract): RequestHandler => {
    return async (req, _res, next) => {
      try {
        await limiter.consume(ipKey(req));
      } catch (error) {
        if (error instanceof RateLimiterRes) throw limited(name, error);
        throw error;
      }
      next();
    };
  };

  const registerTaken = make('register_taken', policy.registerTakenPerIp);
  const registerPerIp = perIp('register_ip', make('register_ip', policy.registerPerIp));
  return {
    // Runs before the body is read: floods cost one counter write, not an argon2 hash.
    login: perIp('login_ip', make('login_ip', policy.loginPerIp)),
    loginAttempts: new AttemptLimiter(make, policy, LOGIN_GUARD),
    clientSecretAttempts: new AttemptLimiter(make, policy, CLIENT_SECRET_GUARD),
    register: async (req, res, next) => {
      // Registration answers email_taken, so it is also an enumeration oracle: count those per IP.
      const taken = await registerTaken.get(ipKey(req));
      if (taken && taken.consumedPoints >= policy.registerTakenPerIp.points) throw limited('register_taken', taken);
      await registerPerIp(req, res, next);
    },
    registerRejected: async (error, req, _res, next) => {
      if (error instanceof AppError && error.code === 'email_taken') await registerTaken.penalty(ipKey(req));
      next(error);
    },
    refresh: perIp('refresh_ip', make('refresh_ip', policy.refreshPerIp)),
  };
}

const ipKey = (req: Request) => counterKey(req.ip ?? null);
