import type { ParsedEnv } from './config-schema.js';

// What one variable's schema cannot say: rules across variables, and the settings production
// refuses (src/config.ts reports them with the schema's problems).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Rules across variables, and the production refusals. */
export function checkCombinations(e: ParsedEnv, env: Record<string, string | undefined>) {
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
