import { type KeyObject, constants, sign } from 'node:crypto';
import type { SigningAlg } from '../config.js';

// JWS Compact Serialization (RFC 7515 §7.1) of a JWT (RFC 7519 §7.1), signed with node:crypto on
// a KeyObject, on the thread pool (its callback form). jose signs through WebCrypto only, whose
// layers (jose's builder, WebCrypto's argument normalisation, the job's promise) cost the process
// about as much CPU again as the signature; node:crypto's own job skips them. Synchronous signing
// would save a little more CPU but puts the signature on the event loop, which under CPU
// contention answered half as fast (bench/components.ts, docs/performance.md). Verification stays
// with jose.
//
// The bytes are the ones jose's SignJWT writes for the same header and claims: JSON.stringify of
// each object in its key order, base64url without padding; test/tokens/jws.test.ts holds them equal.

/** RFC 7518 §3.1 / RFC 8037 §3.1: the digest and the signature's form per `alg`. */
function signer(alg: SigningAlg, key: KeyObject) {
  switch (alg) {
    // RFC 7518 §3.4: R || S, 32 bytes each (IEEE P1363), not DER.
    case 'ES256':
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' as const } };
    // RFC 8037 §3.1: Ed25519 hashes internally.
    case 'EdDSA':
      return { digest: null, key };
    case 'RS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PADDING } };
    // RFC 7518 §3.5: salt as long as the digest.
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
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
  const { digest, key: signingKey } = signer(header.alg, key);
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign(digest, data, signingKey, (error, result) => (error ? reject(error) : resolve(result))),
  );
  return `${input}.${signature.toString('base64url')}`;
}
