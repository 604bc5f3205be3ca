import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

// CONTRACT "Configuration": invalid configuration stops the process before listening, naming
// each bad variable. These are the rules every environment (not only production) must meet.

const BASE: Record<string, string> = { NODE_ENV: 'development' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return expect.unreachable('loadConfig accepted the environment');
}

/** Asserts exactly one problem, naming `variable`. */
const refuses = (env: Record<string, string>, variable: string, message?: RegExp) => {
  const problems = problemsOf(env);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
  if (message) expect(problems[0]).toMatch(message);
};

describe('configuration validation', () => {
  it('loads the documented defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      adminPort: 3001,
      adminHost: '127.0.0.1',
      databaseUrl: 'pglite://./data/pglite',
      issuer: 'http://localhost:3000',
      audience: 'api',
      accessTokenTtl: 600,
      refreshTokenTtl: 2_592_000,
      refreshIdleTtl: 1_209_600,
      refreshReuseInterval: 10,
      signingAlg: 'ES256',
      keyRotationInterval: 2_592_000,
      keyPrepublish: 86_400,
      allowedOrigins: ['http://localhost:3000'],
      cookieSecure: true,
      refreshCookieName: '__Secure-lk_rt',
      allowRegistration: true,
      logLevel: 'info',
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['ADMIN_PORT', '3001.5'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['ACCESS_TOKEN_TTL', '10m'],
    ['REFRESH_TOKEN_TTL', '59'],
    ['REFRESH_REUSE_INTERVAL', '-5'],
    ['DATABASE_POOL_SIZE', '0'],
  ])('refuses %s=%s as a number', (variable, value) => {
    refuses({ [variable]: value }, variable);
  });

  it.each(['HS256', 'none', 'es256', 'RS512'])('refuses SIGNING_ALG=%s, listing the allowed algorithms', (alg) => {
    refuses({ SIGNING_ALG: alg }, 'SIGNING_ALG', /ES256, EdDSA, RS256, PS256/);
  });

  it.each(['EdDSA', 'RS256', 'PS256'])('accepts SIGNING_ALG=%s', (alg) => {
    expect(loadConfig({ ...BASE, SIGNING_ALG: alg }).signingAlg).toBe(alg);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64', 'this is not a key at all'],
    ['a 32-character passphrase', 'a'.repeat(32)],
  ])('refuses a KEY_ENCRYPTION_KEY of %s', (_what, value) => {
    refuses({ KEY_ENCRYPTION_KEY: value }, 'KEY_ENCRYPTION_KEY', /32 bytes/);
  });

  it('accepts a base64 32-byte KEY_ENCRYPTION_KEY and keeps the raw bytes', () => {
    const key = randomBytes(32);
    expect(loadConfig({ ...BASE, KEY_ENCRYPTION_KEY: key.toString('base64') }).keyEncryptionKey).toEqual(key);
  });

  it('refuses STATUS_LIST_TTL above ACCESS_TOKEN_TTL: a revoked token would run its course', () => {
    refuses({ STATUS_LIST_TTL: '601', ACCESS_TOKEN_TTL: '600' }, 'STATUS_LIST_TTL', /ACCESS_TOKEN_TTL/);
    expect(loadConfig({ ...BASE }).statusListTtl).toBe(30);
    expect(loadConfig({ ...BASE, STATUS_LIST_TTL: '600', ACCESS_TOKEN_TTL: '600' }).statusListTtl).toBe(600);
  });

  it('refuses JWKS_MAX_AGE above KEY_PREPUBLISH: caches would miss a new key', () => {
    refuses({ JWKS_MAX_AGE: '7200', KEY_PREPUBLISH: '3600' }, 'JWKS_MAX_AGE', /KEY_PREPUBLISH/);
    expect(loadConfig({ ...BASE, JWKS_MAX_AGE: '3600', KEY_PREPUBLISH: '3600' }).jwksMaxAge).toBe(3600);
  });

  it('refuses KEY_PREPUBLISH not shorter than KEY_ROTATION_INTERVAL', () => {
    refuses({ KEY_PREPUBLISH: '3600', KEY_ROTATION_INTERVAL: '3600' }, 'KEY_PREPUBLISH');
  });

  it('refuses REFRESH_IDLE_TTL above REFRESH_TOKEN_TTL', () => {
    refuses({ REFRESH_IDLE_TTL: '7200', REFRESH_TOKEN_TTL: '3600' }, 'REFRESH_IDLE_TTL');
  });

  it.each([
    ['a bare host', 'app.example.com'],
    ['a path', 'https://app.example.com/login'],
    ['a wildcard', '*'],
    ['a trailing slash', 'https://app.example.com/'],
    ['one bad entry among good ones', 'https://app.example.com, not an origin'],
  ])('refuses ALLOWED_ORIGINS with %s', (_what, value) => {
    refuses({ ALLOWED_ORIGINS: value }, 'ALLOWED_ORIGINS');
  });

  it('parses a comma-separated ALLOWED_ORIGINS list, trimming spaces', () => {
    expect(loadConfig({ ...BASE, ALLOWED_ORIGINS: ' https://a.example.com ,http://localhost:5173' }).allowedOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each(['mysql://db/latchkey', 'localhost:5432/latchkey', 'sqlite:///tmp/x.db', 'postgres://'])(
    'refuses DATABASE_URL=%s',
    (url) => {
      refuses({ DATABASE_URL: url }, 'DATABASE_URL');
    },
  );

  it.each(['postgres://u@db/latchkey', 'postgresql://u:p@db:5432/latchkey', 'pglite://memory', 'pglite:///var/lib/latchkey'])(
    'accepts DATABASE_URL=%s',
    (url) => {
      expect(loadConfig({ ...BASE, DATABASE_URL: url }).databaseUrl).toBe(url);
    },
  );

  it('refuses an ISSUER that is not an absolute URL', () => {
    refuses({ ISSUER: 'auth.example.com' }, 'ISSUER');
  });

  it.each([
    ['COOKIE_SECURE', 'maybe'],
    ['ALLOW_REGISTRATION', 'on'],
    ['LOG_LEVEL', 'verbose'],
    ['ADMIN_TOKEN', 'short'],
    ['REFRESH_COOKIE_NAME', 'bad name;'],
    ['ARGON2_MEMORY_KIB', '4096'],
    ['ARGON2_TIME_COST', '1'],
  ])('refuses %s=%s', (variable, value) => {
    refuses({ [variable]: value }, variable);
  });

  it('refuses refresh cookie names that browsers would silently drop (RFC 6265bis cookie prefixes)', () => {
    refuses({ REFRESH_COOKIE_NAME: '__Host-rt' }, 'REFRESH_COOKIE_NAME');
    refuses({ REFRESH_COOKIE_NAME: '__Secure-rt', COOKIE_SECURE: 'false' }, 'REFRESH_COOKIE_NAME');
    expect(loadConfig({ ...BASE, REFRESH_COOKIE_NAME: '__Secure-rt', COOKIE_SECURE: 'true' }).refreshCookieName).toBe(
      '__Secure-rt',
    );
  });

  it('names every bad variable at once, schema and cross-variable problems together', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      SIGNING_ALG: 'HS256',
      ALLOWED_ORIGINS: '*',
      REFRESH_IDLE_TTL: '7200',
      REFRESH_TOKEN_TTL: '3600',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['ALLOWED_ORIGINS', 'PORT', 'REFRESH_IDLE_TTL', 'SIGNING_ALG']);
  });

  it('does not blame a valid variable for a malformed one it is compared with', () => {
    // KEY_PREPUBLISH exceeds the default rotation interval, but the operator set another (malformed) one.
    const problems = problemsOf({ KEY_ROTATION_INTERVAL: 'monthly', KEY_PREPUBLISH: '3000000' });
    expect(problems).toEqual([expect.stringMatching(/^KEY_ROTATION_INTERVAL: /)]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...BASE, PORT: '', SIGNING_ALG: '' })).toMatchObject({ port: 3000, signingAlg: 'ES256' });
  });
});
