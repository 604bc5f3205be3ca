import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

// TRUST_PROXY=true trusts every X-Forwarded-For hop: the left-most address, which any client
// writes itself, becomes req.ip, and with it the key of every per-IP limit (README
// "Configuration"). Production needs the hop count or the proxies' addresses instead.

const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  ISSUER: 'https://auth.example.com',
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ALLOW_REGISTRATION: 'false',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('TRUST_PROXY in production', () => {
  it('refuses true, naming the variable and what to set instead', () => {
    expect(problemsOf({ ...PRODUCTION, TRUST_PROXY: 'true' })).toEqual([expect.stringMatching(/^TRUST_PROXY: .*hop count/)]);
    expect(problemsOf({ ...PRODUCTION, TRUST_PROXY: 'TRUE' })).toHaveLength(1);
  });

  it('accepts a hop count, addresses, or false', () => {
    expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
    expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('still accepts true outside production (a local proxy in development)', () => {
    expect(loadConfig({ NODE_ENV: 'development', TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });
});
