import { type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { SigningAlg } from '../config.js';

export interface GeneratedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  privateJwk: JWK;
}

// RFC 7518 §3.3 and RFC 8725 §3.5: RSA keys of at least 2048 bits.
const RSA_MODULUS_BITS = 2048;

export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedKey> {
  const options =
    alg === 'RS256' || alg === 'PS256'
      ? { extractable: true, modulusLength: RSA_MODULUS_BITS }
      : alg === 'EdDSA'
        ? { extractable: true, crv: 'Ed25519' }
        : { extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const exportedPublic = await exportJWK(publicKey);
  // RFC 7638 thumbprint as kid: stable, unique per key, reveals nothing private.
  const kid = await calculateJwkThumbprint(exportedPublic, 'sha256');
  // RFC 7517 §4: public members only, plus what verifiers need to select the key.
  const publicJwk: JWK = { ...exportedPublic, kid, alg, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, publicJwk, privateJwk };
}
