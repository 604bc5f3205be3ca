import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CryptoKey, type JWK, importJWK } from 'jose';
import type { SigningAlg } from '../config.js';
import type { KeyState, SigningKeyRecord, SigningKeyStore } from '../store/signing-keys.js';
import type { Sealer } from './sealing.js';

// The read side of the signing keys: what this instance signs and verifies with, and the JWKS.
// Writes (the schedule, `keys rotate`, `keys revoke`) are keys/key-admin.ts; decisions are
// keys/lifecycle.ts.

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
  /** When this key started signing. */
  activatesAt: Date;
}

export interface JwksDocument {
  body: string;
  etag: string;
}

interface Snapshot {
  signing: SigningKey | undefined;
  verifiers: Map<string, { alg: string; key: CryptoKey }>;
  jwks: JwksDocument;
}

// Published: pending (so caches learn it before it signs), active, retired (until its tokens expire).
const PUBLISHED: ReadonlySet<KeyState> = new Set(['pending', 'active', 'retired']);

/** Every kid we issue is an RFC 7638 SHA-256 thumbprint (keys/generate.ts): 43 base64url characters. */
const KID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * At most one reload for unknown kids per this many milliseconds (real time, not the app's
 * clock: it protects the database). Requests that meet unknown kids meanwhile wait for the next
 * reload together, so a flood of made-up kids costs one query per interval, and a genuine new
 * kid (another instance ran `keys rotate --now`) waits at most this long: it is never refused.
 */
export const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1_000;

/**
 * The one place that holds key material: the active signing key, the verification keys and
 * the JWKS document (derived from the key states, cached with its ETag). Every instance
 * reloads from the database every KEY_CHECK_INTERVAL (keys/key-admin.ts), after each of its
 * own key writes, and when a token names a kid it does not know.
 */
export class KeyRing {
  #snapshot: Snapshot = { signing: undefined, verifiers: new Map(), jwks: jwksDocument([]) };
  #imported = new Map<string, CryptoKey>();
  /** Reloads run one after another, so an older read can never replace a newer snapshot. */
  #reloads: Promise<void> = Promise.resolve();
  /** The next reload for unknown kids, while it waits for its turn (not yet reading). */
  #unknownKidReload: Promise<void> | undefined;
  #lastUnknownKidReload = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly sealer: Sealer,
    private readonly reloadIntervalMs = UNKNOWN_KID_RELOAD_INTERVAL_MS,
  ) {}

  /** Re-reads the keys (after any reload already running): new snapshot, same CryptoKey objects for keys already imported. */
  reload(): Promise<void> {
    const next = this.#reloads.catch(() => undefined).then(() => this.#load());
    this.#reloads = next;
    return next;
  }

  async #load(): Promise<void> {
    const keys = (await this.store.listLive()).filter((k) => PUBLISHED.has(k.state));
    const verifiers = new Map<string, { alg: string; key: CryptoKey }>();
    for (const k of keys) verifiers.set(k.kid, { alg: k.alg, key: await this.#importPublic(k) });
    const active = keys.find((k) => k.state === 'active');
    let signing = this.#snapshot.signing;
    if (!active) signing = undefined;
    else if (signing?.kid !== active.kid) {
      const privateJwk = JSON.parse(this.#openPrivate(active)) as JWK;
      signing = {
        kid: active.kid,
        alg: active.alg as SigningAlg,
        key: (await importJWK(privateJwk, active.alg)) as CryptoKey,
        activatesAt: active.activatesAt,
      };
    }
    for (const kid of this.#imported.keys()) if (!verifiers.has(kid)) this.#imported.delete(kid);
    this.#snapshot = { signing, verifiers, jwks: jwksDocument(keys) };
  }

  /** The key that signs now. Throws only if the database has no active key (readiness is false then). */
  signingKey(): SigningKey {
    const signing = this.#snapshot.signing;
    if (!signing) throw new Error('no active signing key');
    return signing;
  }

  hasSigningKey(): boolean {
    return this.#snapshot.signing !== undefined;
  }

  /**
   * A published key by kid. An unknown kid that could be one of ours is looked up again in the
   * database (another instance may have just rotated), by a reload that starts after this
   * request arrived, shared with every other request waiting for one (see
   * UNKNOWN_KID_RELOAD_INTERVAL_MS). Anything else is unknown without a query.
   */
  async verificationKey(kid: string): Promise<{ alg: string; key: CryptoKey } | undefined> {
    const known = this.#snapshot.verifiers.get(kid);
    if (known || !KID_SHAPE.test(kid)) return known;
    await this.#reloadForUnknownKid();
    return this.#snapshot.verifiers.get(kid);
  }

  #reloadForUnknownKid(): Promise<void> {
    if (this.#unknownKidReload) return this.#unknownKidReload;
    const wait = Math.max(0, this.#lastUnknownKidReload + this.reloadIntervalMs - performance.now());
    const next: Promise<void> = sleep(wait).then(() => {
      // From here on, newcomers queue for the next one: this read may begin before their key existed.
      this.#unknownKidReload = undefined;
      this.#lastUnknownKidReload = performance.now();
      return this.reload();
    });
    this.#unknownKidReload = next;
    return next;
  }

  jwks(): JwksDocument {
    return this.#snapshot.jwks;
  }

  #openPrivate(key: SigningKeyRecord): string {
    try {
      return this.sealer.open('signing-key', key.sealedPrivateJwk, key.kid);
    } catch {
      // AES-GCM only says "unable to authenticate": name the likely cause for the operator.
      throw new Error(
        `KEY_ENCRYPTION_KEY: cannot decrypt signing key ${key.kid}; it was encrypted with another KEY_ENCRYPTION_KEY ` +
          '(every instance on one database must share it)',
      );
    }
  }

  async #importPublic(k: SigningKeyRecord): Promise<CryptoKey> {
    const cached = this.#imported.get(k.kid);
    if (cached) return cached;
    const key = (await importJWK(k.publicJwk as JWK, k.alg)) as CryptoKey;
    this.#imported.set(k.kid, key);
    return key;
  }
}

/** RFC 7517 §5: the JWK Set, public members only; serialised once per key change. */
function jwksDocument(keys: SigningKeyRecord[]): JwksDocument {
  const ordered = [...keys].sort((a, b) => +b.activatesAt - +a.activatesAt);
  const body = JSON.stringify({ keys: ordered.map((k) => publicMembers(k.publicJwk)) });
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;
function publicMembers(jwk: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(PUBLIC_MEMBERS.filter((m) => jwk[m] !== undefined).map((m) => [m, jwk[m]]));
}
