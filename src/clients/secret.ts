import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientRecord } from '../store/clients.js';

// Client secrets: 256 bits from the CSPRNG (RFC 6749 §10.10 asks for secrets an attacker cannot
// guess; RFC 9700 §2.2.2 does not ask for more), base64url, shown once. Only SHA-256 is stored.
// A slow hash (argon2) protects low-entropy passwords against offline guessing; a 256-bit random
// secret cannot be guessed from its hash at any hashing speed (2^256 candidates), so a fast hash
// loses nothing and keeps client authentication at microseconds on every token request.

export const CLIENT_SECRET_BYTES = 32;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
  return { secret, hash: hashClientSecret(secret) };
}

export const hashClientSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * The secret hashes that authenticate the client at `now`: the current one, and the previous
 * one until the grace period given at rotation has ended. Pure: a function of the record and the clock.
 */
export function validSecretHashes(client: ClientRecord, now: Date): string[] {
  const hashes = client.secretHash ? [client.secretHash] : [];
  if (client.previousSecretHash && client.previousSecretExpiresAt && client.previousSecretExpiresAt > now) {
    hashes.push(client.previousSecretHash);
  }
  return hashes;
}

/** Constant-time comparison of the presented secret's hash against every valid hash (no early exit). */
export function secretMatches(presented: string, hashes: readonly string[]): boolean {
  const candidate = Buffer.from(hashClientSecret(presented), 'hex');
  let match = false;
  for (const hash of hashes) {
    if (!HASH_PATTERN.test(hash)) continue;
    match = timingSafeEqual(candidate, Buffer.from(hash, 'hex')) || match;
  }
  return match;
}
