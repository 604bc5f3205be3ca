import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { NewRefreshToken } from '../store/sessions.js';

// Refresh tokens are opaque: 256 bits from the CSPRNG, base64url (43 URL-safe characters).
// Only SHA-256 of the token is stored: with 256 bits of entropy a fast hash is enough
// (RFC 9700 §4.14 asks that refresh tokens be unguessable; nothing here is a password).

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newRefreshToken(): { token: string; record: NewRefreshToken } {
  const token = randomBytes(32).toString('base64url');
  return { token, record: { id: randomUUID(), hash: hashRefreshToken(token) } };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cheap shape check before any database work. */
export function looksLikeRefreshToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

/** Cookie lifetime: whichever ends first, the absolute expiry or the idle window. */
export function refreshMaxAge(expiresAt: Date, now: Date, idleTtl: number): number {
  return Math.max(0, Math.min(Math.floor((expiresAt.getTime() - now.getTime()) / 1000), idleTtl));
}
