import { type CryptoKey, type KeyObject, SignJWT } from 'jose';
import { encodeStatusList } from '../../src/tokens/status-list.js';

// A Status List Token made to order for tests (draft-ietf-oauth-status-list-21 §5.1): any bits,
// sub, typ or key, with the server's own encoder (src/tokens/status-list.ts) for the bits.

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
  const lst = encodeStatusList(input.revoked ?? [], input.size ?? 1024);
  return new SignJWT({ status_list: { bits: 1, lst }, ttl })
    .setProtectedHeader({ alg: input.alg, kid: input.kid, typ: input.typ ?? 'statuslist+jwt' })
    .setSubject(input.sub ?? input.uri)
    .setIssuedAt(input.iat)
    .setExpirationTime(input.iat + 600)
    .sign(input.key);
}
