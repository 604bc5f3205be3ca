import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { type Clock, epochSeconds } from '../clock.js';
import type { Config } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { StatusSlotStore } from '../store/status-slots.js';
import { STATUS_LIST_TYP } from '../inspect/status-list.js';

// Token Status List, draft-ietf-oauth-status-list-21: how a resource server learns that an
// access token was revoked without asking Latchkey per request.
//
// Allocation (src/store/status-slots.ts, TAKE_STATUS_SLOT): a session takes one slot at login and every
// access token of that session carries it, so revoking the session is one bit however many
// tokens it issued, and a refresh (the hot path) allocates nothing. A slot goes back to the pool
// only once every token that carried it has expired (its holder's end + ACCESS_TOKEN_TTL + skew)
// and every cached list that showed it revoked has been replaced (statusReuseCutoff), and the pool is used lowest-free-first, so the lists stay as small as the number of live
// sessions and are mostly zeros, which DEFLATE compresses to almost nothing.
//
// Serving: each list is built from the revoked slots at most once per REBUILD_MS per instance
// and its signed JWT is reused (same ETag, so caches answer 304) until its bits change or it ages,
// so a burst of resource servers costs one query and no signing.

/** Bits per list: 8 KiB uncompressed at most; slot n is index n % SIZE of list ⌊n / SIZE⌋ + 1. */
export const STATUS_LIST_SIZE = 65_536;
/** Slots are PostgreSQL integers: the last list whose slots all fit one. */
export const MAX_LIST_ID = Math.floor(2 ** 31 / STATUS_LIST_SIZE);
// §5.1 `typ` and §8 media type: one definition, shared with the inspector (src/inspect/, browser-safe).
export { STATUS_LIST_MEDIA_TYPE, STATUS_LIST_TYP } from '../inspect/status-list.js';
/** How stale an instance's copy of a list may be: the "+ 1 s" of STATUS_LIST_TTL + 1 s. */
export const REBUILD_MS = 1_000;

export interface StatusReference {
  idx: number;
  uri: string;
}

/**
 * A freed slot (its last token expired) shows a clear bit in every list built from then on, but
 * a copy built before may still be cached for STATUS_LIST_TTL (+ REBUILD_MS here). The slot waits
 * that long more before a new session takes it, so no cached list shows a new token as revoked.
 */
export function statusReuseCutoff(now: Date, config: Pick<Config, 'statusListTtl'>): Date {
  return new Date(now.getTime() - config.statusListTtl * 1000 - 2 * REBUILD_MS);
}

export const statusListUri = (issuer: string, listId: number) => `${issuer}/statuslists/${listId}`;

/** §6.1: the `status.status_list` of a token holding `slot`. */
export function statusReference(issuer: string, slot: number | null | undefined): StatusReference | undefined {
  if (slot === null || slot === undefined) return undefined;
  return { idx: slot % STATUS_LIST_SIZE, uri: statusListUri(issuer, Math.floor(slot / STATUS_LIST_SIZE) + 1) };
}

/**
 * §4.1: one bit per token (`bits: 1`), index 0 the least significant bit of byte 0, the byte
 * array compressed with DEFLATE in the ZLIB format (RFC 1950) and base64url-encoded.
 */
export function encodeStatusList(revokedIdx: Iterable<number>, size = STATUS_LIST_SIZE): string {
  const bytes = new Uint8Array(size / 8);
  for (const idx of revokedIdx) bytes[idx >> 3]! |= 1 << (idx & 7);
  return deflateSync(bytes, { level: 9 }).toString('base64url');
}

export interface StatusListDocument {
  jwt: string;
  etag: string;
}

interface Cached {
  lst: string;
  doc: StatusListDocument;
  kid: string;
  signedAt: number;
  checkedAt: number;
}

export class StatusLists {
  readonly #cache = new Map<number, Cached>();
  readonly #building = new Map<number, Promise<StatusListDocument | undefined>>();

  constructor(
    private readonly store: StatusSlotStore,
    private readonly keys: KeyRing,
    private readonly config: Pick<Config, 'issuer' | 'statusListTtl' | 'accessTokenTtl'>,
    private readonly clock: Clock,
  ) {}

  /** The list as `document` would answer it now without any work: only while this instance's copy is fresh. */
  cachedDocument(listId: number): StatusListDocument | undefined {
    const cached = this.#cache.get(listId);
    return cached && this.clock.now().getTime() - cached.checkedAt < REBUILD_MS ? cached.doc : undefined;
  }

  /** The signed list `listId`, or undefined when no slot of it was ever given out. */
  async document(listId: number): Promise<StatusListDocument | undefined> {
    const fresh = this.cachedDocument(listId);
    if (fresh) return fresh;
    const cached = this.#cache.get(listId);
    let building = this.#building.get(listId);
    if (!building) {
      building = this.#build(listId, cached).finally(() => this.#building.delete(listId));
      this.#building.set(listId, building);
    }
    return building;
  }

  async #build(listId: number, cached: Cached | undefined): Promise<StatusListDocument | undefined> {
    const first = (listId - 1) * STATUS_LIST_SIZE;
    if (!cached && !(await this.store.anyAtOrAbove(first))) return undefined;
    // A freed slot's bit reads clear again: no token carrying it verifies any more.
    const revoked = await this.store.revokedBetween(first, first + STATUS_LIST_SIZE, this.clock.now());
    const lst = encodeStatusList(revoked.map((slot) => slot - first));
    const now = this.clock.now().getTime();
    const { kid } = this.keys.signingKey();
    // The same bits under the same key: the same document and ETag, re-signed only as it ages.
    const fresh =
      cached && cached.lst === lst && cached.kid === kid && now - cached.signedAt < (this.config.statusListTtl * 1000) / 2;
    const entry: Cached = fresh
      ? { ...cached, checkedAt: now }
      : { lst, kid, doc: await this.#sign(listId, lst), signedAt: now, checkedAt: now };
    this.#cache.set(listId, entry);
    return entry.doc;
  }

  /** §5.1: header typ statuslist+jwt; claims sub (the list's own URI), iat, exp, ttl, status_list. */
  async #sign(listId: number, lst: string): Promise<StatusListDocument> {
    const { kid, alg, key } = this.keys.signingKey();
    const iat = epochSeconds(this.clock.now());
    const jwt = await new SignJWT({ ttl: this.config.statusListTtl, status_list: { bits: 1, lst } })
      .setProtectedHeader({ alg, kid, typ: STATUS_LIST_TYP })
      .setSubject(statusListUri(this.config.issuer, listId))
      .setIssuedAt(iat)
      // A copy older than a token's lifetime says nothing about the tokens still alive.
      .setExpirationTime(iat + this.config.accessTokenTtl)
      .sign(key);
    return { jwt, etag: `"${createHash('sha256').update(jwt).digest('base64url').slice(0, 27)}"` };
  }
}
