import { type JWK, type JWSHeaderParameters, importJWK } from 'jose';
import {
  type Cached,
  DocumentCache,
  DocumentError,
  type IssuerAccess,
  RETRY_AFTER_FAILURE_MS,
  getDocument,
} from './document-cache.js';
import { InvalidTokenError, IssuerUnavailableError } from './errors.js';

// The issuer's JWKS, fetched and cached here rather than with jose's createRemoteJWKSet, which
// keeps keys for a fixed time whatever the issuer's Cache-Control says: a key the issuer removes
// (`latchkey keys revoke`) must stop verifying once the JWKS `max-age` has passed.

interface VerificationKey {
  readonly alg: string;
  readonly key: CryptoKey;
}

type KeyMap = ReadonlyMap<string, VerificationKey>;

export interface KeySetOptions extends IssuerAccess {
  jwksUri: string;
  /** An unknown kid refetches the JWKS at most this often (seconds). */
  unknownKidCooldown: number;
}

/** Without a max-age the JWKS is kept 5 minutes; a max-age is honoured within [1 s, 1 day]. */
const DEFAULT_MAX_AGE = 300;
const MIN_MAX_AGE = 1;
const MAX_MAX_AGE = 86_400;

export function clampSeconds(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export class KeySet {
  readonly #cache: DocumentCache<KeyMap>;

  constructor(private readonly options: KeySetOptions) {
    this.#cache = new DocumentCache((previous, now) => this.#load(previous, now), options.now);
  }

  /** jose's key resolver: the key named by the header's kid, for the header's alg. */
  readonly keyFor = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const { kid, alg } = header;
    if (typeof kid !== 'string') throw new InvalidTokenError('the token header has no kid');
    let keys = await this.#usableKeys();
    let key = keys.get(kid);
    const now = this.options.now();
    if (!key && now - this.#cache.lastAttemptAt >= this.options.unknownKidCooldown * 1000) {
      // A kid we have not seen may be a key published since our last fetch (RFC 7517 §4.5).
      keys = await this.#refreshedKeys();
      key = keys.get(kid);
    }
    if (!key) throw new InvalidTokenError('the token is signed by a key that is not in the issuer JWKS');
    // RFC 8725 §3.1: the key decides the algorithm; a header naming another one is refused.
    if (key.alg !== alg) throw new InvalidTokenError('the token alg does not match its key');
    return key.key;
  };

  /** The JWKS keys for `alg`: for a document signed without a kid (a status list need not carry one). */
  async keysForAlg(alg: unknown): Promise<CryptoKey[]> {
    const keys = await this.#usableKeys();
    return [...keys.values()].filter((key) => key.alg === alg).map((key) => key.key);
  }

  async #usableKeys(): Promise<KeyMap> {
    const current = this.#cache.current;
    if (current && this.options.now() < current.freshUntil) return current.value;
    try {
      return (await this.#cache.usable()).value;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async #refreshedKeys(): Promise<KeyMap> {
    try {
      return (await this.#cache.refresh()).value;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async #load(previous: Cached<KeyMap> | undefined, now: number): Promise<Cached<KeyMap>> {
    const response = await getDocument(this.options.fetch, this.options.jwksUri, {
      accept: 'application/jwk-set+json, application/json',
      etag: previous?.etag,
      timeoutMs: this.options.timeoutMs,
    });
    let keys: KeyMap;
    let etag: string | undefined;
    if (response.status === 304) {
      if (!previous) throw new DocumentError(`${this.options.jwksUri} answered 304 to an unconditional request`, false);
      keys = previous.value;
      etag = previous.etag;
    } else {
      keys = await this.#importKeys(response.body);
      etag = response.etag;
    }
    // A 304 without caching headers keeps the max-age of the copy it revalidates.
    const previousMaxAge = previous && response.status === 304 ? (previous.freshUntil - previous.fetchedAt) / 1000 : undefined;
    const maxAge = clampSeconds(response.maxAge ?? previousMaxAge ?? DEFAULT_MAX_AGE, MIN_MAX_AGE, MAX_MAX_AGE);
    const freshUntil = now + maxAge * 1000;
    return { value: keys, etag, fetchedAt: now, freshUntil, usableUntil: freshUntil + this.options.staleIfError * 1000 };
  }

  async #importKeys(body: string): Promise<KeyMap> {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch (error) {
      throw new DocumentError(`${this.options.jwksUri} is not JSON`, false, { cause: error });
    }
    const list = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new DocumentError(`${this.options.jwksUri} has no keys array`, false);
    const keys = new Map<string, VerificationKey>();
    for (const jwk of list as JWK[]) {
      const key = await this.#importKey(jwk);
      if (key && !keys.has(jwk.kid!)) keys.set(jwk.kid!, key);
    }
    return keys;
  }

  /** A public signing key for one of the pinned algorithms, or nothing. */
  async #importKey(jwk: JWK): Promise<VerificationKey | undefined> {
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string') return undefined;
    if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
    if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return undefined;
    // RFC 8725 §3.1: only the pinned algorithms, and never a symmetric or private key.
    if (!this.options.algorithms.includes(jwk.alg) || jwk.kty === 'oct' || 'd' in jwk) return undefined;
    try {
      const key = await importJWK(jwk, jwk.alg);
      return key instanceof Uint8Array ? undefined : { alg: jwk.alg, key };
    } catch {
      return undefined;
    }
  }
}

/** The reason (URL, status) stays in `cause` for the logs; the client learns only that it may retry. */
export function unavailable(error: unknown): IssuerUnavailableError {
  return new IssuerUnavailableError('the token issuer cannot be reached; try again later', RETRY_AFTER_FAILURE_MS / 1000, {
    cause: error,
  });
}
