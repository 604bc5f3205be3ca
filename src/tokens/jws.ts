import { type KeyObject, constants, sign } from 'node:crypto';
import type { SigningAlg } from '../config.js';

// JWS Compact Serialization (RFC 7515 §7.1) of a JWT (RFC 7519 §7.1), signed with node:crypto on
// a KeyObject. jose signs through WebCrypto only: each signature is a job handed to the thread
// pool and a promise, which cost the main thread about as much as an ES256 signature itself
// (docs/performance.md). ES256 and EdDSA sign here, synchronously (~40 µs); RSA (~1 ms) keeps
// the thread pool, through node:crypto's callback form. Verification stays with jose.
//
// The bytes are the ones jose's SignJWT writes for the same header and claims: JSON.stringify of
// each object in its key order, base64url without padding; test/tokens/jws.test.ts holds them equal.

/** RFC 7518 §3.1 / RFC 8037 §3.1: the digest and the signature's form per `alg`. */
function signer(alg: SigningAlg, key: KeyObject) {
  switch (alg) {
    // RFC 7518 §3.4: R || S, 32 bytes each (IEEE P1363), not DER.
    case 'ES256':
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' as const }, sync: true };
    // RFC 8037 §3.1: Ed25519 hashes internally.
    case 'EdDSA':
      return { digest: null, key, sync: true };
    case 'RS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PADDING }, sync: false };
    // RFC 7518 §3.5: salt as long as the digest.
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sync: false };
  }
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `header` must carry `alg` first (as jose writes it); `claims` are written in their key order. */
export async function signJwt(
  header: { alg: SigningAlg; kid: string; typ: string },
  claims: object,
  key: KeyObject,
): Promise<string> {
  const input = `${encode(header)}.${encode(claims)}`;
  const data = Buffer.from(input);
  const { digest, key: signingKey, sync } = signer(header.alg, key);
  const signature = sync
    ? sign(digest, data, signingKey)
    : await new Promise<Buffer>((resolve, reject) =>
        sign(digest, data, signingKey, (error, result) => (error ? reject(error) : resolve(result))),
      );
  return `${input}.${signature.toString('base64url')}`;
}
