import {
  type JSONWebKeySet,
  type JWTPayload,
  base64url,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';
import { type Defect, defect } from './defects.js';
import { formatDuration } from './time.js';

// The Token Status List check of an access token, as a relying party does it:
// draft-ietf-oauth-status-list-21 (approved by the IESG, in the RFC Editor queue).
// Runs in Node and in the browser; fetching and zlib inflation are passed in.

export const STATUS_LIST_TYP = 'statuslist+jwt';
export const STATUS_LIST_MEDIA_TYPE = 'application/statuslist+jwt';
/** A decompressed list larger than this is refused (a zlib bomb); 16 MiB is 134 million 1-bit entries. */
export const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024;

/** RFC 1950 zlib inflation, refusing output beyond `maxBytes`. */
export type Inflate = (compressed: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

export interface StatusListSources {
  /** The Status List Token (JWS compact) served at `uri`. */
  fetchStatusList(uri: string): Promise<string>;
  inflate: Inflate;
}

export type StatusReference =
  { kind: 'none' } | { kind: 'reference'; idx: number; uri: string } | { kind: 'malformed'; reason: string };

/** The outcome for people: no claim, not checked (the token is already invalid), or the list's answer. */
export type StatusOutcome =
  | { state: 'none' }
  | { state: 'skipped' }
  | { state: 'valid'; idx: number; uri: string }
  | { state: 'revoked' | 'suspended' | 'other'; value: number; idx: number; uri: string; defect: Defect }
  | { state: 'unknown'; defect: Defect };

export class StatusListError extends Error {}

/** §6.2: `status.status_list` with a non-negative integer `idx` and a URI `uri`. */
export function statusReference(claims: JWTPayload): StatusReference {
  if (claims.status === undefined) return { kind: 'none' };
  const status: unknown = claims.status;
  const list = typeof status === 'object' && status !== null && 'status_list' in status ? status.status_list : undefined;
  if (typeof list !== 'object' || list === null)
    return { kind: 'malformed', reason: 'the status claim has no status_list object' };
  const { idx, uri } = list as { idx?: unknown; uri?: unknown };
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0) {
    return { kind: 'malformed', reason: `status_list.idx ${JSON.stringify(idx)} is not a non-negative integer` };
  }
  if (typeof uri !== 'string' || !URL.canParse(uri)) {
    return { kind: 'malformed', reason: `status_list.uri ${JSON.stringify(uri)} is not a URI` };
  }
  return { kind: 'reference', idx, uri };
}

/**
 * §4.1: `bits` per entry, entries packed from the least significant bit of byte 0 upwards
 * (index 0 is bit 0 of byte 0). Undefined when `idx` is beyond the list.
 */
export function statusAt(list: Uint8Array, bits: number, idx: number): number | undefined {
  const perByte = 8 / bits;
  const byte = list[Math.floor(idx / perByte)];
  if (byte === undefined) return undefined;
  return (byte >> ((idx % perByte) * bits)) & ((1 << bits) - 1);
}

/** §4.2: `{bits, lst}` → the decompressed byte array (§4.1 step 4: zlib DEFLATE, base64url). */
export async function decodeStatusList(statusList: unknown, inflate: Inflate): Promise<{ bits: number; list: Uint8Array }> {
  const { bits, lst } = (typeof statusList === 'object' && statusList !== null ? statusList : {}) as {
    bits?: unknown;
    lst?: unknown;
  };
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8)
    throw new StatusListError(`its bits ${JSON.stringify(bits)} is not 1, 2, 4 or 8`);
  if (typeof lst !== 'string') throw new StatusListError('it has no lst string');
  let compressed: Uint8Array;
  try {
    compressed = base64url.decode(lst);
  } catch {
    throw new StatusListError('its lst is not base64url');
  }
  try {
    return { bits, list: await inflate(compressed, MAX_STATUS_LIST_BYTES) };
  } catch (error) {
    throw new StatusListError(`its lst does not inflate (${error instanceof Error ? error.message : String(error)})`);
  }
}

export interface StatusCheckOptions {
  algorithms: readonly string[];
  clockSkew: number;
  now: Date;
  jwksUrl: string;
}

/**
 * §8.3 validation rules: fetch the Status List Token, verify it with the same JWKS (signature,
 * typ, `sub` equal to the token's `uri`, `exp`), decompress, read the entry at `idx`.
 * Any failure means no statement can be made, and the token should be rejected (§8.3, last paragraph).
 */
export async function checkStatus(
  ref: { idx: number; uri: string },
  keySet: JSONWebKeySet,
  sources: StatusListSources,
  options: StatusCheckOptions,
): Promise<StatusOutcome> {
  const unknown = (why: string): StatusOutcome => ({ state: 'unknown', defect: defect.statusUnavailable(why) });
  let jwt: string;
  try {
    jwt = (await sources.fetchStatusList(ref.uri)).trim();
  } catch (error) {
    return unknown(`cannot fetch ${ref.uri}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, createLocalJWKSet(keySet), {
      algorithms: [...options.algorithms],
      typ: STATUS_LIST_TYP,
      subject: ref.uri,
      requiredClaims: ['sub', 'iat', 'status_list'],
      clockTolerance: options.clockSkew,
      currentDate: options.now,
    }));
  } catch (error) {
    return unknown(`the status list ${ref.uri} ${statusListFailure(error, jwt, options)}`);
  }
  try {
    const { bits, list } = await decodeStatusList(payload.status_list, sources.inflate);
    const value = statusAt(list, bits, ref.idx);
    if (value === undefined) return unknown(`index ${ref.idx} is beyond the ${(list.length * 8) / bits} entries of ${ref.uri}`);
    if (value === 0) return { state: 'valid', ...ref };
    const state = value === 1 ? 'revoked' : value === 2 ? 'suspended' : 'other';
    return { state, value, ...ref, defect: defect.revoked(value, ref.idx, ref.uri) };
  } catch (error) {
    if (error instanceof StatusListError) return unknown(`the status list ${ref.uri} is malformed: ${error.message}`);
    throw error;
  }
}

function statusListFailure(error: unknown, jwt: string, options: StatusCheckOptions): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'has a bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) return `is signed by a key that is not in ${options.jwksUrl}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'is signed with an algorithm that is not allowed';
  if (error instanceof errors.JWTExpired) {
    const exp = Number(error.payload.exp);
    return `expired ${formatDuration(options.now.getTime() - exp * 1000)} ago`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ') return `has typ ${JSON.stringify(headerTyp(jwt))}, not "${STATUS_LIST_TYP}"`;
    if (error.claim === 'sub') return `has sub ${JSON.stringify(error.payload.sub)}, not its own URI`;
    if (error.reason === 'missing') return `has no ${error.claim} claim`;
    return `has an invalid ${error.claim} claim`;
  }
  return `is not a signed JWT (${error instanceof Error ? error.message : String(error)})`;
}

function headerTyp(jwt: string): unknown {
  try {
    return decodeProtectedHeader(jwt).typ;
  } catch {
    return undefined;
  }
}

/** One line on what the token's status list says, or undefined when the token has no status claim. */
export function describeStatus(status: StatusOutcome): string | undefined {
  switch (status.state) {
    case 'none':
      return undefined;
    case 'skipped':
      return 'status: not checked (the token is already invalid)';
    case 'unknown':
      return 'status: unknown';
    case 'other':
      return `status: 0x${status.value.toString(16).padStart(2, '0')} (index ${status.idx} of ${status.uri})`;
    default:
      return `status: ${status.state} (index ${status.idx} of ${status.uri})`;
  }
}
