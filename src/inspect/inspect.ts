import {
  type JSONWebKeySet,
  type JWTPayload,
  type ProtectedHeaderParameters,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
} from 'jose';
import { type Defect, defect } from './defects.js';
import { type StatusListSources, type StatusOutcome, checkStatus, statusReference } from './status-list.js';
import { type TimeClaim, formatDuration, isoDate, timeClaims } from './time.js';

// What a resource server would decide about an access token, and every reason why — the one
// inspection core behind the /inspect page and `latchkey token inspect`. Pure functions on
// jose, which runs in Node and in browsers (WebCrypto); the JWKS, the status list and zlib
// are passed in. Unlike a verifier, it does not stop at the first failure: it names each
// defect. Rules: RFC 9068 §4 (access tokens), RFC 8725 §3.1 and §3.11 (pinned algorithms,
// explicit typ), RFC 7519 §4.1 (time claims, with a clock skew), draft-ietf-oauth-status-list-21.

/** RFC 9068 §2.2: the claims every JWT access token carries. */
export const ACCESS_TOKEN_REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;

export interface Expectations {
  /** Expected `iss`; undefined: not compared (the report says so). */
  issuer?: string | undefined;
  /** Expected `aud`; undefined: not compared (the report says so). */
  audience?: string | undefined;
  algorithms: readonly string[];
  typ: string;
  /** Seconds of tolerance on exp, nbf and iat. */
  clockSkew: number;
}

export interface InspectionSources extends StatusListSources {
  /** Named in messages ("not in <jwksUrl>"). */
  jwksUrl: string;
  fetchJwks(): Promise<JSONWebKeySet>;
}

export interface TokenParts {
  header: string;
  payload: string;
  signature: string;
}

export type Decoding =
  | { ok: true; parts: TokenParts; header: ProtectedHeaderParameters; claims: JWTPayload }
  | { ok: false; parts?: TokenParts; defect: Defect };

export interface InspectionReport {
  header?: ProtectedHeaderParameters;
  claims?: JWTPayload;
  times: TimeClaim[];
  /** Empty when the token is valid. */
  defects: Defect[];
  /** What was not compared, and why (no expected issuer or audience). */
  notes: string[];
  status: StatusOutcome;
  valid: boolean;
}

/** Splits and decodes a JWS compact token without verifying anything. */
export function decodeToken(raw: string): Decoding {
  const token = raw.trim();
  const split = token.split('.');
  if (split.length !== 3) {
    return {
      ok: false,
      defect: defect.malformed(`${split.length} part${split.length === 1 ? '' : 's'} separated by ".", a JWS has 3`),
    };
  }
  const [header = '', payload = '', signature = ''] = split;
  const parts = { header, payload, signature };
  let decodedHeader: ProtectedHeaderParameters;
  try {
    decodedHeader = decodeProtectedHeader(token);
  } catch {
    return { ok: false, parts, defect: defect.malformed('the header is not base64url-encoded JSON') };
  }
  try {
    return { ok: true, parts, header: decodedHeader, claims: decodeJwt(token) };
  } catch {
    return { ok: false, parts, defect: defect.malformed('the payload is not a base64url-encoded JSON object') };
  }
}

export async function inspectToken(
  raw: string,
  expectations: Expectations,
  sources: InspectionSources,
  now: Date,
): Promise<InspectionReport> {
  const decoded = decodeToken(raw);
  if (!decoded.ok) return { times: [], defects: [decoded.defect], notes: [], status: { state: 'skipped' }, valid: false };
  const { header, claims } = decoded;

  const defects: Defect[] = [];
  const notes: string[] = [];
  let keySet: JSONWebKeySet | undefined;
  // RFC 8725 §3.1: only the algorithms Latchkey signs with; never "none" or HMAC.
  if (typeof header.alg !== 'string' || !expectations.algorithms.includes(header.alg)) {
    defects.push(defect.algNotAllowed(header.alg, expectations.algorithms));
  } else if (typeof header.kid !== 'string') {
    defects.push(defect.noKid());
  } else {
    keySet = await sources.fetchJwks();
    const found = await checkSignature(raw.trim(), header.alg, header.kid, keySet, sources.jwksUrl);
    if (found) defects.push(found);
  }
  // RFC 9068 §4 / RFC 8725 §3.11: the explicit type tells an access token from other JWTs.
  if (normalizeTyp(header.typ) !== normalizeTyp(expectations.typ)) defects.push(defect.wrongTyp(header.typ, expectations.typ));
  defects.push(...claimDefects(claims, expectations, now, notes));

  // Status list draft §8.3: a token that is already invalid is not looked up in its list.
  const ref = statusReference(claims);
  let status: StatusOutcome;
  if (ref.kind === 'none') status = { state: 'none' };
  else if (defects.length > 0 || !keySet) status = { state: 'skipped' };
  else if (ref.kind === 'malformed') status = { state: 'unknown', defect: defect.statusUnavailable(ref.reason) };
  else {
    status = await checkStatus(ref, keySet, sources, {
      algorithms: expectations.algorithms,
      clockSkew: expectations.clockSkew,
      now,
      jwksUrl: sources.jwksUrl,
    });
  }
  if ('defect' in status) defects.push(status.defect);

  return { header, claims, times: timeClaims(claims, now), defects, notes, status, valid: defects.length === 0 };
}

/** The key named by `kid` in the JWKS, with the header's alg (RFC 8725 §3.1: the key's own alg). */
async function checkSignature(
  token: string,
  alg: string,
  kid: string,
  keySet: JSONWebKeySet,
  jwksUrl: string,
): Promise<Defect | undefined> {
  const named = (Array.isArray(keySet.keys) ? keySet.keys : []).filter((k) => k.kid === kid);
  if (named.length === 0) return defect.unknownKid(kid, jwksUrl);
  const jwk = named.find((k) => k.alg === undefined || k.alg === alg);
  if (!jwk) return defect.algNotKeys(alg, kid, String(named[0]?.alg));
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK(jwk, alg);
  } catch {
    return defect.algNotKeys(alg, kid, `a ${String(jwk.kty)} key`);
  }
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return undefined;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return defect.badSignature(kid);
    if (error instanceof errors.JOSEError) return defect.malformed(error.message);
    throw error;
  }
}

function claimDefects(claims: JWTPayload, expected: Expectations, now: Date, notes: string[]): Defect[] {
  const defects: Defect[] = [];
  for (const claim of ACCESS_TOKEN_REQUIRED_CLAIMS) {
    if (claims[claim] === undefined) defects.push(defect.missingClaim(claim));
  }
  // RFC 9068 §4: iss must match exactly; aud must contain the resource server's identifier.
  if (claims.iss !== undefined) {
    if (expected.issuer === undefined) notes.push(`iss ${JSON.stringify(claims.iss)} not compared: no expected issuer given`);
    else if (claims.iss !== expected.issuer) defects.push(defect.wrongIss(claims.iss, expected.issuer));
  }
  if (claims.aud !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (expected.audience === undefined) notes.push(`aud ${JSON.stringify(claims.aud)} not compared: no expected audience given`);
    else if (!audiences.includes(expected.audience)) defects.push(defect.wrongAud(claims.aud, expected.audience));
  }
  // RFC 7519 §4.1.4, §4.1.5: exp and nbf, with the clock skew; an iat in the future is not valid either.
  const nowS = Math.floor(now.getTime() / 1000);
  const skew = expected.clockSkew;
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[claim];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 8.64e12) {
      defects.push(defect.malformed(`${claim} ${JSON.stringify(value)} is not a NumericDate`));
    } else if (claim === 'exp' && value <= nowS - skew) {
      defects.push(defect.expired(formatDuration(now.getTime() - value * 1000), isoDate(value)));
    } else if (claim !== 'exp' && value > nowS + skew) {
      defects.push(defect.notYetValid(claim, isoDate(value), formatDuration(value * 1000 - now.getTime())));
    }
  }
  return defects;
}

/** RFC 7515 §4.1.9: "application/" may be omitted from a typ media type; compared case-insensitively. */
function normalizeTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
