import { randomUUID } from 'node:crypto';
import { type JWTPayload, type JWTVerifyGetKey, SignJWT, errors, jwtVerify } from 'jose';
import { type Clock, epochSeconds } from '../clock.js';
import { type Config, SIGNING_ALGS } from '../config.js';
import { invalidToken } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';

// RFC 9068: JWT profile for OAuth 2.0 access tokens.
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Latchkey's first-party client: the `client_id` claim RFC 9068 §2.2 requires. */
export const FIRST_PARTY_CLIENT_ID = 'latchkey';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
  iat: number;
  kid: string;
  clientId: string;
  /** RFC 9068 §2.2.3: the granted permissions (empty when the token carries no `scope`). */
  scope: string[];
  /** RFC 9068 §2.2.3.1 */
  roles: string[];
}

/** What an access token says; everything but `subject` is optional. */
export interface AccessTokenInput {
  /** RFC 9068 §2.2: the user id, or the client's id for a client-credentials token. */
  subject: string;
  /** RFC 9068 §2.2 `client_id`; the first-party cookie flow is FIRST_PARTY_CLIENT_ID. */
  clientId?: string;
  /** `sid`: user tokens name their session; client-credentials tokens have none. */
  sessionId?: string;
  /** `aud`; default ACCESS_TOKEN_AUDIENCE. */
  audience?: string;
  /** RFC 9068 §2.2.3 `scope` (space-separated in the token); no claim when empty. */
  scope?: readonly string[];
  /** RFC 9068 §2.2.3.1 `roles`; no claim when empty. */
  roles?: readonly string[];
  /** draft-ietf-oauth-status-list: where a resource server learns this token was revoked. */
  status?: { idx: number; uri: string };
  /** A `jti` chosen by the caller (client-credentials tokens are recorded before signing); default a new UUID. */
  jti?: string;
}

/** Any of our access tokens, user or client-credentials, whatever its audience (introspection, revocation). */
export interface InspectedAccessToken extends Omit<AccessTokenClaims, 'sid'> {
  sid: string | undefined;
  aud: string[];
  iss: string;
}

export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly config: Pick<Config, 'issuer' | 'audience' | 'accessTokenTtl' | 'clockSkew'>,
    private readonly clock: Clock,
  ) {}

  async issue(input: AccessTokenInput): Promise<{ token: string; expiresIn: number; jti: string }> {
    const { kid, alg, key } = this.keys.signingKey();
    const iat = epochSeconds(this.clock.now());
    const jti = input.jti ?? randomUUID();
    // Only these private claims exist, each with a fixed name: role and permission names are
    // values, never claim names, so they can never set or replace a registered claim.
    const claims: JWTPayload = { client_id: input.clientId ?? FIRST_PARTY_CLIENT_ID };
    if (input.sessionId) claims.sid = input.sessionId;
    if (input.scope?.length) claims.scope = input.scope.join(' ');
    if (input.roles?.length) claims.roles = [...input.roles];
    if (input.status) claims.status = { status_list: { idx: input.status.idx, uri: input.status.uri } };
    const token = await new SignJWT(claims)
      // RFC 9068 §2.1: typ "at+jwt"; kid selects the key in our JWKS.
      .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.config.issuer)
      .setSubject(input.subject)
      .setAudience(input.audience ?? this.config.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.config.accessTokenTtl)
      .setJti(jti)
      .sign(key);
    return { token, expiresIn: this.config.accessTokenTtl, jti };
  }

  /**
   * Verifies signature and claims; any failure is `invalid_token` (RFC 6750 §3.1).
   * RFC 8725 §3.1: the algorithm list is pinned, and the header's alg must be the key's own.
   * RFC 8725 §3.11 / RFC 9068 §4: typ must be at+jwt. Only keys from our own key ring are
   * used: `jwk`, `jku`, `x5u` and `x5c` headers are never followed.
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const { payload, kid } = await this.#verified(token, { audience: this.config.audience, requireSession: true });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
      throw invalidToken('access token claims are malformed');
    }
    return { ...commonClaims(payload, kid), sid: payload.sid };
  }

  /**
   * The same checks but any audience, and `sid` optional (client-credentials tokens have none):
   * for introspection (RFC 7662) and revocation (RFC 7009), which then decide what the caller may see.
   */
  async inspect(token: string): Promise<InspectedAccessToken> {
    const { payload, kid } = await this.#verified(token, { requireSession: false });
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      (payload.sid !== undefined && typeof payload.sid !== 'string')
    ) {
      throw invalidToken('access token claims are malformed');
    }
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    return { ...commonClaims(payload, kid), sid: payload.sid, aud, iss: payload.iss! };
  }

  async #verified(
    token: string,
    options: { audience?: string; requireSession: boolean },
  ): Promise<{ payload: JWTPayload; kid: string }> {
    const getKey: JWTVerifyGetKey = async (header) => {
      if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey();
      const found = await this.keys.verificationKey(header.kid);
      if (!found || found.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
      return found.key;
    };
    let payload: JWTPayload;
    let kid: string;
    try {
      const result = await jwtVerify(token, getKey, {
        algorithms: [...SIGNING_ALGS],
        typ: ACCESS_TOKEN_TYP,
        issuer: this.config.issuer,
        ...(options.audience !== undefined && { audience: options.audience }),
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', ...(options.requireSession ? ['sid'] : [])],
        clockTolerance: this.config.clockSkew,
        // RFC 7519 §4.1.6 / RFC 8725 §3.10: with a maximum age jose also refuses an iat in
        // the future, which a genuine token from our own clock can never have.
        maxTokenAge: this.config.accessTokenTtl,
        currentDate: this.clock.now(),
      });
      payload = result.payload;
      kid = result.protectedHeader.kid as string;
    } catch (error) {
      throw invalidToken(describeJoseError(error));
    }
    return { payload, kid };
  }
}

function commonClaims(payload: JWTPayload, kid: string): Omit<AccessTokenClaims, 'sid'> {
  return {
    sub: payload.sub!,
    jti: payload.jti!,
    exp: payload.exp!,
    iat: payload.iat!,
    kid,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : FIRST_PARTY_CLIENT_ID,
    scope: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    roles: Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [],
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'access token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `access token ${error.claim} claim is invalid`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'access token was not signed by a current key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'access token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'access token algorithm is not allowed';
  return 'access token is malformed';
}
