import {
  type JSONWebKeySet,
  type JWTPayload,
  type ProtectedHeaderParameters,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';
import { SIGNING_ALGS } from '../config.js';
import { ACCESS_TOKEN_TYP } from '../tokens/access-token.js';
import { formatDuration } from './output.js';

// `latchkey token inspect`: what a resource server would decide about a token, and why.
// Checks follow RFC 9068 §4 and RFC 8725 §3.1 (pinned algorithms, explicit typ).

export interface InspectOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  now: Date;
}

export interface TimeClaim {
  claim: 'iat' | 'nbf' | 'exp';
  epoch: number;
  date: string;
  /** "expires in 9m 58s", "expired 3m ago", "2m ago", "in 5m". */
  relative: string;
}

export interface TokenReport {
  header?: ProtectedHeaderParameters;
  claims?: JWTPayload;
  times: TimeClaim[];
  valid: boolean;
  /** Why it is invalid: one precise reason. */
  reason?: string;
}

// RFC 9068 §2.2: the claims every JWT access token carries.
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

/** Decodes the token, then verifies it against `jwks` (fetched by the caller) as a resource server would. */
export async function inspectToken(
  token: string,
  jwks: () => Promise<JSONWebKeySet>,
  options: InspectOptions,
): Promise<TokenReport> {
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch (error) {
    return { times: [], valid: false, reason: `malformed token: ${error instanceof Error ? error.message : String(error)}` };
  }
  const times = timeClaims(claims, options.now);
  const invalid = (reason: string): TokenReport => ({ header, claims, times, valid: false, reason });

  // RFC 8725 §3.1: only the algorithms Latchkey signs with; never "none" or HMAC.
  if (typeof header.alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(header.alg)) {
    return invalid(`alg not allowed: ${JSON.stringify(header.alg)} (allowed: ${SIGNING_ALGS.join(', ')})`);
  }
  if (typeof header.kid !== 'string') return invalid('no kid in the header');
  const keySet = await jwks();
  const key = keySet.keys.find((k) => k.kid === header.kid);
  if (!key) return invalid(`unknown kid ${header.kid}: not in ${options.jwksUrl}`);
  if (key.alg !== undefined && key.alg !== header.alg) {
    return invalid(`alg ${header.alg} does not match key ${header.kid}, which is ${key.alg}`);
  }

  try {
    await jwtVerify(token, createLocalJWKSet(keySet), {
      algorithms: [...SIGNING_ALGS],
      typ: ACCESS_TOKEN_TYP,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: options.now,
    });
  } catch (error) {
    return invalid(describeFailure(error, header, claims, options));
  }
  return { header, claims, times, valid: true };
}

function describeFailure(error: unknown, header: ProtectedHeaderParameters, claims: JWTPayload, options: InspectOptions): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) return `bad signature: key ${header.kid} did not sign this token`;
  if (error instanceof errors.JWTExpired) {
    return `expired ${formatDuration(+options.now - Number(claims.exp) * 1000)} ago (exp ${isoDate(Number(claims.exp))})`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `missing claim: ${error.claim}`;
    switch (error.claim) {
      case 'typ':
        return `wrong typ: ${JSON.stringify(header.typ ?? null)} (expected "${ACCESS_TOKEN_TYP}")`;
      case 'iss':
        return `wrong iss: ${JSON.stringify(claims.iss)} (expected "${options.issuer}")`;
      case 'aud':
        return `wrong aud: ${JSON.stringify(claims.aud)} (expected "${options.audience}")`;
      case 'nbf':
        return `not yet valid: nbf ${isoDate(Number(claims.nbf))} is ${formatDuration(Number(claims.nbf) * 1000 - +options.now)} away`;
      default:
        return `${error.claim} claim is invalid: ${error.message}`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `alg not allowed: ${JSON.stringify(header.alg)}`;
  if (error instanceof errors.JWKSNoMatchingKey) return `no key in the JWKS matches kid ${header.kid} and alg ${header.alg}`;
  if (error instanceof errors.JOSEError) return `malformed token: ${error.message}`;
  throw error;
}

const isoDate = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

function timeClaims(claims: JWTPayload, now: Date): TimeClaim[] {
  const out: TimeClaim[] = [];
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const epoch = claims[claim];
    if (typeof epoch !== 'number' || !Number.isFinite(epoch)) continue;
    const delta = epoch * 1000 - +now;
    const span = formatDuration(delta);
    const relative =
      claim === 'exp' ? (delta > 0 ? `expires in ${span}` : `expired ${span} ago`) : delta > 0 ? `in ${span}` : `${span} ago`;
    out.push({ claim, epoch, date: isoDate(epoch), relative });
  }
  return out;
}
