import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SERVER_ARGS } from '../support/server-process.js';

// Secure by default (CONTRACT "Configuration"): with NODE_ENV=production, settings that are
// only safe in development refuse to start, each with a message naming the variable.

const KEK = randomBytes(32).toString('base64');

/** A complete, correct production environment; each test breaks one thing. */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  ISSUER: 'https://auth.example.com',
  KEY_ENCRYPTION_KEY: KEK,
  ALLOW_REGISTRATION: 'false',
  DATABASE_URL: 'postgresql://latchkey@db.internal:5432/latchkey',
};

/** The problems loadConfig names, or fails the test if it accepted the environment. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return expect.unreachable('loadConfig accepted the environment');
}

const without = (name: string) => Object.fromEntries(Object.entries(PRODUCTION).filter(([k]) => k !== name));

describe('NODE_ENV=production refuses development-only settings, naming the variable', () => {
  it('loads a fully correct production configuration', () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({
      production: true,
      cookieSecure: true,
      refreshCookieName: '__Secure-lk_rt',
      issuer: 'https://auth.example.com',
      allowedOrigins: ['https://auth.example.com'],
      allowRegistration: false,
    });
    expect(config.keyEncryptionKey).toHaveLength(32);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses COOKIE_SECURE=false', () => {
    expect(problemsOf({ ...PRODUCTION, COOKIE_SECURE: 'false' })).toEqual([expect.stringMatching(/^COOKIE_SECURE: /)]);
    expect(problemsOf({ ...PRODUCTION, COOKIE_SECURE: '0' })).toEqual([expect.stringMatching(/^COOKIE_SECURE: /)]);
  });

  it('refuses a missing KEY_ENCRYPTION_KEY (and an empty one)', () => {
    expect(problemsOf(without('KEY_ENCRYPTION_KEY'))).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY: required/)]);
    expect(problemsOf({ ...PRODUCTION, KEY_ENCRYPTION_KEY: '' })).toEqual([
      expect.stringMatching(/^KEY_ENCRYPTION_KEY: required/),
    ]);
  });

  it.each(['http://auth.example.com', 'http://10.0.0.5:3000', 'http://localhost.example.com'])(
    'refuses an http:// ISSUER that is not localhost: %s',
    (issuer) => {
      expect(problemsOf({ ...PRODUCTION, ISSUER: issuer })).toEqual([expect.stringMatching(/^ISSUER: must be https/)]);
    },
  );

  it.each(['https://auth.example.com', 'https://auth.example.com:8443/tenant', 'http://localhost:3000', 'http://127.0.0.1:3000'])(
    'accepts ISSUER %s',
    (issuer) => {
      expect(loadConfig({ ...PRODUCTION, ISSUER: issuer }).issuer).toBe(issuer);
    },
  );

  it('refuses a non-loopback ADMIN_HOST without ADMIN_TOKEN, and accepts it with one', () => {
    expect(problemsOf({ ...PRODUCTION, ADMIN_HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^ADMIN_TOKEN: required/)]);
    const token = randomBytes(24).toString('base64url');
    expect(loadConfig({ ...PRODUCTION, ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN: token }).adminToken).toBe(token);
  });

  it('refuses a non-loopback ADMIN_HOST without ADMIN_TOKEN outside production too (contract)', () => {
    expect(problemsOf({ NODE_ENV: 'development', ADMIN_HOST: '10.0.0.5' })).toEqual([
      expect.stringMatching(/^ADMIN_TOKEN: required when ADMIN_HOST \(10\.0\.0\.5\)/),
    ]);
  });

  it('refuses ALLOW_REGISTRATION left unset: registration must be an explicit choice', () => {
    expect(problemsOf(without('ALLOW_REGISTRATION'))).toEqual([expect.stringMatching(/^ALLOW_REGISTRATION: set it explicitly/)]);
    expect(loadConfig({ ...PRODUCTION, ALLOW_REGISTRATION: 'true' }).allowRegistration).toBe(true);
  });

  it('does not apply the production refusals in development', () => {
    const config = loadConfig({ NODE_ENV: 'development', COOKIE_SECURE: 'false', ISSUER: 'http://auth.example.com' });
    expect(config).toMatchObject({ production: false, cookieSecure: false, refreshCookieName: 'lk_rt', allowRegistration: true });
    expect(config.keyEncryptionKey).toBeUndefined();
  });

  it('names every production problem at once', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      ISSUER: 'http://auth.example.com',
      COOKIE_SECURE: 'false',
      ADMIN_HOST: '0.0.0.0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'ADMIN_TOKEN',
      'ALLOW_REGISTRATION',
      'COOKIE_SECURE',
      'ISSUER',
      'KEY_ENCRYPTION_KEY',
    ]);
  });

  it('names production refusals together with malformed variables', () => {
    const problems = problemsOf({
      ...without('KEY_ENCRYPTION_KEY'),
      COOKIE_SECURE: 'false',
      SIGNING_ALG: 'HS256',
      PORT: 'eighty',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['COOKIE_SECURE', 'KEY_ENCRYPTION_KEY', 'PORT', 'SIGNING_ALG']);
  });
});

describe('the real process with NODE_ENV=production and COOKIE_SECURE=false', () => {
  it('exits non-zero before listening, naming COOKIE_SECURE on stderr', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'latchkey-config-'));
    try {
      const child = spawn(process.execPath, SERVER_ARGS, {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          ...PRODUCTION,
          DATABASE_URL: `pglite://${path.join(cwd, 'data')}`,
          COOKIE_SECURE: 'false',
          HOST: '127.0.0.1',
          PORT: '0',
          ADMIN_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      // 'close' (not 'exit'): both pipes are drained, so stderr is complete.
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));

      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stderr).toMatch(/COOKIE_SECURE: false is refused when NODE_ENV=production/);
      expect(stderr).not.toMatch(/KEY_ENCRYPTION_KEY|ISSUER|ALLOW_REGISTRATION/); // only what is wrong
      expect(stdout).not.toContain('latchkey listening');
      expect(await readdir(cwd)).toEqual([]); // refused before touching the database or keys
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
