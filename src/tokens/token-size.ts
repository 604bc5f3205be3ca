import type { Config, SigningAlg } from '../config.js';
import { AppError } from '../errors.js';

/** Contract: an access token never exceeds 4 KiB (it travels in every API request's header). */
export const MAX_ACCESS_TOKEN_BYTES = 4096;

// Bounds on what the other claims can take: the longest client id, uuids, 10-digit times,
// a status-list index up to 2^32 and its URI, a 43-character RFC 7638 kid.
const MAX_CLIENT_ID = 'c'.repeat(64);
const UUID = '00000000-0000-0000-0000-000000000000';
const EPOCH = 9_999_999_999;
const KID = 'k'.repeat(43);
/** Signature bytes: ES256/EdDSA 64; RSA as long as the modulus (we generate 2048, allow 4096 keys). */
const signatureBytes = (alg: SigningAlg) => (alg === 'RS256' || alg === 'PS256' ? 512 : 64);

const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3);
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

export interface TokenContents {
  roles: readonly string[];
  scope: readonly string[];
  /** `aud`; default ACCESS_TOKEN_AUDIENCE. */
  audience?: string;
  /** `sub` is a client id (client credentials) rather than a user id. */
  clientSubject?: boolean;
}

/** The largest compact JWS an access token with these roles and scope can be (src/tokens/access-token.ts). */
export function accessTokenSizeBound(config: Pick<Config, 'issuer' | 'audience' | 'signingAlg'>, contents: TokenContents) {
  const header = { alg: 'ES256', kid: KID, typ: 'at+jwt' };
  const payload = {
    client_id: MAX_CLIENT_ID,
    sid: UUID,
    scope: contents.scope.join(' '),
    roles: contents.roles,
    status: { status_list: { idx: 2 ** 32, uri: `${config.issuer}/statuslists/${UUID}` } },
    iss: config.issuer,
    sub: contents.clientSubject ? MAX_CLIENT_ID : UUID,
    aud: contents.audience ?? config.audience,
    iat: EPOCH,
    exp: EPOCH,
    jti: UUID,
  };
  return (
    base64urlLength(jsonBytes(header)) +
    1 +
    base64urlLength(jsonBytes(payload)) +
    1 +
    base64urlLength(signatureBytes(config.signingAlg))
  );
}

/** Refuses (400 invalid_request, saying why) contents whose token could exceed 4 KiB. */
export function assertTokenFits(
  config: Pick<Config, 'issuer' | 'audience' | 'signingAlg'>,
  contents: TokenContents,
  what: string,
): void {
  const size = accessTokenSizeBound(config, contents);
  if (size > MAX_ACCESS_TOKEN_BYTES) {
    throw new AppError(
      'invalid_request',
      `${what} would make an access token of up to ${size} bytes, over the ${MAX_ACCESS_TOKEN_BYTES}-byte limit: use fewer or shorter roles or permissions`,
    );
  }
}
