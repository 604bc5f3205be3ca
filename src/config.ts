import { z } from 'zod';

// The only reader of process.env. Every variable is documented in .env.example and README.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
export const SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

// OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1.
const ARGON2_MIN_MEMORY_KIB = 19_456;
const ARGON2_MIN_TIME_COST = 2;

const seconds = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?|pglite):\/\/.+/, 'must be postgres://…, postgresql://… or pglite://…')
    .default('pglite://./data/pglite'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_TIMEOUT: z.coerce.number().min(0.1, 'must be at least 0.1 (seconds)').max(600).default(3),
  ISSUER: z.url({ message: 'must be an absolute URL' }).default('http://localhost:3000'),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).default('api'),
  ACCESS_TOKEN_TTL: seconds(600, 1),
  REFRESH_TOKEN_TTL: seconds(2_592_000, 60),
  REFRESH_IDLE_TTL: seconds(1_209_600, 60),
  REFRESH_REUSE_INTERVAL: seconds(10, 0),
  CLOCK_SKEW: seconds(30, 0),
  SIGNING_ALG: z.enum(SIGNING_ALGS, { message: `must be one of ${SIGNING_ALGS.join(', ')}` }).default('ES256'),
  KEY_ROTATION_INTERVAL: seconds(2_592_000, 60),
  KEY_PREPUBLISH: seconds(86_400, 0),
  KEY_CHECK_INTERVAL: seconds(30, 1),
  JWKS_MAX_AGE: seconds(300, 0),
  STATUS_LIST_TTL: seconds(30, 1),
  KEY_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  KEYS_DIR: z.string().min(1).default('./keys'),
  ALLOWED_ORIGINS: z.string().optional(),
  COOKIE_SECURE: bool(true),
  REFRESH_COOKIE_NAME: z
    .string()
    .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid cookie name')
    .optional(),
  ALLOW_REGISTRATION: bool(true),
  PUBLIC_INSPECTOR: bool(false),
  ARGON2_MEMORY_KIB: z.coerce
    .number()
    .int()
    .min(ARGON2_MIN_MEMORY_KIB, `must be at least ${ARGON2_MIN_MEMORY_KIB} (OWASP)`)
    .default(ARGON2_MIN_MEMORY_KIB),
  ARGON2_TIME_COST: z.coerce
    .number()
    .int()
    .min(ARGON2_MIN_TIME_COST, `must be at least ${ARGON2_MIN_TIME_COST} (OWASP)`)
    .default(ARGON2_MIN_TIME_COST),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
  TRUST_PROXY: z.string().default('false'),
  RATE_LIMIT: bool(true),
  SHUTDOWN_TIMEOUT: seconds(10, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

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

type ParsedEnv = z.output<typeof envSchema>;

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

/** Rules across variables, and the production refusals. */
function checkCombinations(e: ParsedEnv, env: Env) {
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';
  const issuer = e.ISSUER.replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  const allowedOrigins = e.ALLOWED_ORIGINS
    ? e.ALLOWED_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean)
    : [issuerUrl.origin];
  for (const origin of allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      problems.push(`ALLOWED_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
  }
  if (!LOOPBACK_HOSTS.has(e.ADMIN_HOST) && !e.ADMIN_TOKEN) {
    problems.push(`ADMIN_TOKEN: required when ADMIN_HOST (${e.ADMIN_HOST}) is not a loopback address`);
  }
  if (e.JWKS_MAX_AGE > e.KEY_PREPUBLISH) {
    // A verifier caching the JWKS for max-age must see a new key before it signs.
    problems.push(`JWKS_MAX_AGE: ${e.JWKS_MAX_AGE}s exceeds KEY_PREPUBLISH (${e.KEY_PREPUBLISH}s); caches would miss new keys`);
  }
  if (e.STATUS_LIST_TTL > e.ACCESS_TOKEN_TTL) {
    // A list cached longer than a token lives would let every revoked token run its course.
    problems.push(`STATUS_LIST_TTL: ${e.STATUS_LIST_TTL}s exceeds ACCESS_TOKEN_TTL (${e.ACCESS_TOKEN_TTL}s)`);
  }
  if (e.KEY_PREPUBLISH >= e.KEY_ROTATION_INTERVAL) {
    problems.push(`KEY_PREPUBLISH: must be shorter than KEY_ROTATION_INTERVAL (${e.KEY_ROTATION_INTERVAL}s)`);
  }
  // RFC 6265bis §4.1.3: browsers silently drop a __Secure- cookie without Secure and a
  // __Host- cookie whose Path is not "/" (ours is /auth), so refuse both names up front.
  const cookieName = e.REFRESH_COOKIE_NAME ?? '';
  if (/^__host-/i.test(cookieName)) {
    problems.push('REFRESH_COOKIE_NAME: the __Host- prefix needs Path=/, but the refresh cookie is scoped to /auth');
  }
  if (/^__secure-/i.test(cookieName) && !e.COOKIE_SECURE) {
    problems.push('REFRESH_COOKIE_NAME: a __Secure- name needs COOKIE_SECURE=true');
  }
  if (e.REFRESH_IDLE_TTL > e.REFRESH_TOKEN_TTL) {
    problems.push(`REFRESH_IDLE_TTL: must not exceed REFRESH_TOKEN_TTL (${e.REFRESH_TOKEN_TTL}s)`);
  }
  if (production) {
    // Secure by default: settings that are only safe in development refuse to start.
    if (!e.COOKIE_SECURE) problems.push('COOKIE_SECURE: false is refused when NODE_ENV=production');
    if (!e.KEY_ENCRYPTION_KEY) problems.push('KEY_ENCRYPTION_KEY: required when NODE_ENV=production');
    if (issuerUrl.protocol !== 'https:' && !LOOPBACK_HOSTS.has(issuerUrl.hostname)) {
      problems.push('ISSUER: must be https:// when NODE_ENV=production (http:// only for localhost)');
    }
    if (e.TRUST_PROXY.trim().toLowerCase() === 'true') {
      // Trusting every hop means the left-most X-Forwarded-For wins: a client that reaches the
      // port directly (or through a proxy that appends) picks its own IP for the rate limits,
      // escapes the per-IP limits and can lock owners out under spoofed IPs.
      problems.push('TRUST_PROXY: true is refused when NODE_ENV=production; give the hop count (e.g. 1) or the proxy addresses');
    }
    if (env.ALLOW_REGISTRATION === undefined || env.ALLOW_REGISTRATION === '') {
      problems.push('ALLOW_REGISTRATION: set it explicitly (true or false) when NODE_ENV=production');
    }
  }
  return { problems, issuer, allowedOrigins };
}
