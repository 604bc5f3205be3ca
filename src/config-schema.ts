import { z } from 'zod';

// The environment's schema: each variable's type, range and default (src/config.ts reads the
// environment with it; src/config-rules.ts checks what spans variables).

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

export const envSchema = z.object({
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

export type ParsedEnv = z.output<typeof envSchema>;
