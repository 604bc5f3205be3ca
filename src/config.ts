import type { z } from 'zod';
import { checkCombinations } from './config-rules.js';
import { type SigningAlg, envSchema } from './config-schema.js';

// The only reader of process.env (src/start.cts only defaults libuv's UV_THREADPOOL_SIZE before the
// server loads). Every variable is documented in .env.example and README.
// The schema: src/config-schema.ts; rules across variables and production refusals: src/config-rules.ts.

export { SIGNING_ALGS, type SigningAlg } from './config-schema.js';

export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly adminToken: string | undefined;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  /** Seconds a request waits for the database (a pool connection, a lock, one statement) before 503. */
  readonly databaseTimeout: number;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly refreshIdleTtl: number;
  readonly refreshReuseInterval: number;
  readonly clockSkew: number;
  readonly signingAlg: SigningAlg;
  readonly keyRotationInterval: number;
  readonly keyPrepublish: number;
  readonly keyCheckInterval: number;
  readonly jwksMaxAge: number;
  /** draft-ietf-oauth-status-list `ttl` and the `max-age` of every status list. */
  readonly statusListTtl: number;
  /** Raw 32-byte key; undefined in development means "generate one into keysDir". */
  readonly keyEncryptionKey: Buffer | undefined;
  readonly keysDir: string;
  readonly allowedOrigins: readonly string[];
  readonly cookieSecure: boolean;
  readonly refreshCookieName: string;
  readonly allowRegistration: boolean;
  /** Serves the token inspector page on the public listener too (it is always on the admin one). */
  readonly publicInspector: boolean;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  readonly trustProxy: boolean | number | string;
  readonly rateLimit: boolean;
  readonly shutdownTimeout: number;
  readonly logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses the environment into a frozen Config, or throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  // An empty variable means "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(allProblems(parsed.error.issues, cleaned, env));
  const e = parsed.data;
  const { problems, issuer, allowedOrigins } = checkCombinations(e, env);
  if (problems.length) throw new ConfigError(problems);

  const trustProxy = /^\d+$/.test(e.TRUST_PROXY)
    ? Number(e.TRUST_PROXY)
    : e.TRUST_PROXY === 'true'
      ? true
      : e.TRUST_PROXY === 'false'
        ? false
        : e.TRUST_PROXY;

  return Object.freeze({
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST,
    adminPort: e.ADMIN_PORT,
    adminHost: e.ADMIN_HOST,
    adminToken: e.ADMIN_TOKEN,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseTimeout: e.DATABASE_TIMEOUT,
    issuer,
    audience: e.ACCESS_TOKEN_AUDIENCE,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    refreshIdleTtl: e.REFRESH_IDLE_TTL,
    refreshReuseInterval: e.REFRESH_REUSE_INTERVAL,
    clockSkew: e.CLOCK_SKEW,
    signingAlg: e.SIGNING_ALG,
    keyRotationInterval: e.KEY_ROTATION_INTERVAL,
    keyPrepublish: e.KEY_PREPUBLISH,
    keyCheckInterval: e.KEY_CHECK_INTERVAL,
    jwksMaxAge: e.JWKS_MAX_AGE,
    statusListTtl: e.STATUS_LIST_TTL,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY ? Buffer.from(e.KEY_ENCRYPTION_KEY, 'base64') : undefined,
    keysDir: e.KEYS_DIR,
    allowedOrigins: Object.freeze(allowedOrigins),
    cookieSecure: e.COOKIE_SECURE,
    // The __Secure- prefix is only valid on a Secure cookie (RFC 6265bis §4.1.3.1).
    refreshCookieName: e.REFRESH_COOKIE_NAME ?? (e.COOKIE_SECURE ? '__Secure-lk_rt' : 'lk_rt'),
    allowRegistration: e.ALLOW_REGISTRATION,
    publicInspector: e.PUBLIC_INSPECTOR,
    argon2: Object.freeze({ memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM }),
    trustProxy,
    rateLimit: e.RATE_LIMIT,
    shutdownTimeout: e.SHUTDOWN_TIMEOUT,
    logLevel: e.LOG_LEVEL,
  });
}

/**
 * Every problem at once, so an operator fixes the environment in one go: the variables the
 * schema refused, plus the cross-variable and production checks on the rest (with defaults in
 * place of the refused ones; a check that mentions a refused variable is left out).
 */
function allProblems(issues: z.core.$ZodIssue[], cleaned: Env, env: Env): string[] {
  const problems = issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const refused = new Set(issues.map((i) => String(i.path[0])));
  const rest = envSchema.safeParse(Object.fromEntries(Object.entries(cleaned).filter(([k]) => !refused.has(k))));
  if (!rest.success) return problems;
  const mentionsRefused = (p: string) => [...refused].some((name) => new RegExp(`\\b${name}\\b`).test(p));
  return [...problems, ...checkCombinations(rest.data, env).problems.filter((p) => !mentionsRefused(p))];
}
