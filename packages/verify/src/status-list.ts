import { inflateSync } from 'node:zlib';

// The Status List data structure of draft-ietf-oauth-status-list-21 §4. Section numbers in this
// package are those of -20, the latest text we could read (the datatracker lists a -21 of
// 2026-11-03 whose text we did not have).

export type StatusBits = 1 | 2 | 4 | 8;

export interface StatusList {
  /** §5.1: the Status List Token's `sub`, equal to the `uri` in the tokens that reference it. */
  readonly uri: string;
  readonly bits: StatusBits;
  /** The decompressed byte array. */
  readonly bytes: Uint8Array;
  /** The Status List Token's `iat` / `exp` (seconds) and `ttl` (seconds), as signed. */
  readonly iat: number;
  readonly exp: number | undefined;
  readonly ttl: number | undefined;
}

/** 16 MiB of statuses (134 million one-bit entries): a bound against a decompression bomb (§11.1). */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/**
 * §4.2: `{bits, lst}` where `lst` is base64url of the ZLIB (RFC 1950) DEFLATE (RFC 1951) byte
 * array. Throws a TypeError naming the defect.
 */
export function decodeStatusList(claim: unknown): { bits: StatusBits; bytes: Uint8Array } {
  if (typeof claim !== 'object' || claim === null) throw new TypeError('status_list is not an object');
  const { bits, lst } = claim as { bits?: unknown; lst?: unknown };
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8) throw new TypeError('status_list.bits is not 1, 2, 4 or 8');
  if (typeof lst !== 'string' || !/^[A-Za-z0-9_-]+$/.test(lst)) throw new TypeError('status_list.lst is not base64url');
  let bytes: Buffer;
  try {
    bytes = inflateSync(Buffer.from(lst, 'base64url'), { maxOutputLength: MAX_LIST_BYTES });
  } catch (error) {
    throw new TypeError('status_list.lst is not a ZLIB stream (or is too large)', { cause: error });
  }
  return { bits, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * §4.1 step 3: index `idx` names the `bits`-wide block at bit offset idx·bits, blocks packed into
 * each byte from the least significant bit. Undefined when idx is out of bounds (§8.3 step 6: then
 * no statement can be made and the token is rejected).
 */
export function statusAt(list: { bits: StatusBits; bytes: Uint8Array }, idx: number): number | undefined {
  const bitOffset = idx * list.bits;
  const byte = list.bytes[bitOffset >>> 3];
  if (byte === undefined || !Number.isSafeInteger(bitOffset)) return undefined;
  return (byte >>> (bitOffset & 7)) & ((1 << list.bits) - 1);
}

/** §7.1: 0x00 VALID. Anything else (INVALID, SUSPENDED, application-specific) is not accepted. */
export const STATUS_VALID = 0;
