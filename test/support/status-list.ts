import { deflateSync } from 'node:zlib';
import { type CryptoKey, type KeyObject, SignJWT } from 'jose';

// A Token Status List built by hand for tests (draft-ietf-oauth-status-list-21 §4.1, §5.1), so
// the inspector can be tested against the contract before (and independently of) the server's.

/** 1 bit per entry; index i is bit (i % 8) of byte ⌊i / 8⌋, least significant first (§4.1). */
export function statusBits(size: number, revoked: number[]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(size / 8));
  for (const idx of revoked) bytes[idx >> 3]! |= 1 << (idx & 7);
  return bytes;
}

export interface StatusListInput {
  uri: string;
  size?: number;
  revoked?: number[];
  key: CryptoKey | KeyObject;
  kid: string;
  alg: string;
  iat: number;
  ttl?: number;
  typ?: string;
  sub?: string;
}

/** The Status List Token (JWS compact) as `GET <uri>` serves it with `application/statuslist+jwt`. */
export function statusListJwt(input: StatusListInput): Promise<string> {
  const ttl = input.ttl ?? 30;
  const lst = Buffer.from(deflateSync(statusBits(input.size ?? 1024, input.revoked ?? []), { level: 9 })).toString('base64url');
  return new SignJWT({ status_list: { bits: 1, lst }, ttl })
    .setProtectedHeader({ alg: input.alg, kid: input.kid, typ: input.typ ?? 'statuslist+jwt' })
    .setSubject(input.sub ?? input.uri)
    .setIssuedAt(input.iat)
    .setExpirationTime(input.iat + 600)
    .sign(input.key);
}
