import { type JWTPayload, type JWTVerifyOptions, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { type Cached, DocumentCache, DocumentError, type IssuerAccess, getDocument } from './document-cache.js';
import { InvalidTokenError, IssuerUnavailableError } from './errors.js';
import { type KeySet, clampSeconds, unavailable } from './jwks.js';
import { STATUS_VALID, type StatusList, decodeStatusList, statusAt } from './status-list.js';

// Fetching, verifying and caching Status List Tokens (draft-ietf-oauth-status-list-21 §5.1, §8).

export interface StatusReference {
  readonly idx: number;
  readonly uri: string;
}

/** A stale list serves for `staleIfError` at most, and never past its own `exp`. */
export interface StatusListCacheOptions extends IssuerAccess {
  keys: KeySet;
  clockTolerance: number;
}

/** §11.5: bound the issuer's caching hints. Without `ttl` or `max-age`, 30 s (Latchkey's default). */
const DEFAULT_TTL = 30;
const MIN_TTL = 1;
const MAX_TTL = 3600;
/** A set bit in a list older than the token refetches the list at most this often (ms). */
const RECHECK_INTERVAL_MS = 1000;

const MEDIA_TYPE = 'application/statuslist+jwt';

export class StatusLists {
  readonly #lists = new Map<string, DocumentCache<StatusList>>();

  constructor(private readonly options: StatusListCacheOptions) {}

  /** Resolves when the token's status is VALID; throws InvalidTokenError or IssuerUnavailableError. */
  async check(ref: StatusReference, tokenIat: number): Promise<void> {
    const cache = this.#cacheFor(ref.uri);
    const now = this.options.now();
    let cached = cache.current;
    if (!cached || now >= cached.freshUntil) cached = await this.#usable(cache);
    let status = statusAt(cached.value, ref.idx);
    if (status !== STATUS_VALID && cached.value.iat < tokenIat && now - cache.lastAttemptAt >= RECHECK_INTERVAL_MS) {
      // A list signed before the token was issued cannot have revoked it: a set bit there belongs
      // to the index's previous holder (Latchkey reuses an index once its tokens expired). Ask once more.
      try {
        cached = await cache.refresh();
        status = statusAt(cached.value, ref.idx);
      } catch {
        // The verdict of the last verified list stands.
      }
    }
    // §8.3 step 6: an index outside the list allows no statement, so the token is rejected.
    if (status === undefined) throw new InvalidTokenError('the token status list has no such index');
    if (status !== STATUS_VALID) throw new InvalidTokenError('the access token has been revoked');
  }

  #cacheFor(uri: string): DocumentCache<StatusList> {
    let cache = this.#lists.get(uri);
    if (!cache) {
      cache = new DocumentCache((previous, now) => this.#load(uri, previous, now), this.options.now);
      this.#lists.set(uri, cache);
    }
    return cache;
  }

  async #usable(cache: DocumentCache<StatusList>): Promise<Cached<StatusList>> {
    try {
      return await cache.usable();
    } catch (error) {
      if (error instanceof DocumentError && error.transient) throw unavailable(error);
      // §8.3: if the Status List Token cannot be validated no statement can be made, and the
      // token is rejected: fail closed. (A bad list never replaces the last verified one: DocumentCache keeps it.)
      throw new InvalidTokenError('the token status list could not be verified', { cause: error });
    }
  }

  async #load(uri: string, previous: Cached<StatusList> | undefined, now: number): Promise<Cached<StatusList>> {
    // §5.1 / §13.7: past its `exp` a list MUST NOT be relied upon, so it is not revalidated either.
    const reusable = previous && !this.#expired(previous.value, now) ? previous : undefined;
    const response = await getDocument(this.options.fetch, uri, {
      accept: MEDIA_TYPE,
      etag: reusable?.etag,
      timeoutMs: this.options.timeoutMs,
    });
    let list: StatusList;
    let etag: string | undefined;
    if (response.status === 304) {
      if (!reusable) throw new DocumentError(`${uri} answered 304 to an unconditional request`, false);
      list = reusable.value;
      etag = reusable.etag;
    } else {
      // §8.2: the response MUST use this media type.
      if (response.contentType !== MEDIA_TYPE) throw new DocumentError(`${uri} is not ${MEDIA_TYPE}`, false);
      list = await this.#verify(uri, response.body, now);
      etag = response.etag;
    }
    // §8.2: the token's `ttl` (and `exp`) take priority over HTTP caching headers.
    const ttl = clampSeconds(list.ttl ?? response.maxAge ?? DEFAULT_TTL, MIN_TTL, MAX_TTL);
    const expiresAt = list.exp === undefined ? Number.POSITIVE_INFINITY : (list.exp + this.options.clockTolerance) * 1000;
    const freshUntil = Math.min(now + ttl * 1000, expiresAt);
    const usableUntil = Math.min(freshUntil + this.options.staleIfError * 1000, expiresAt);
    return { value: list, etag, fetchedAt: now, freshUntil, usableUntil };
  }

  #expired(list: StatusList, now: number): boolean {
    return list.exp !== undefined && now >= (list.exp + this.options.clockTolerance) * 1000;
  }

  /** §8.3 steps 3-5: signature by a key of the issuer's JWKS, typ, sub = uri, iat, exp, ttl, the list itself. */
  async #verify(uri: string, jwt: string, now: number): Promise<StatusList> {
    const options: JWTVerifyOptions = {
      // RFC 8725 §3.11 and §5.1: explicit typing, so no other JWT of the issuer passes for a list.
      typ: 'statuslist+jwt',
      algorithms: [...this.options.algorithms],
      subject: uri,
      requiredClaims: ['sub', 'iat'],
      currentDate: new Date(now),
      clockTolerance: this.options.clockTolerance,
    };
    let payload: JWTPayload;
    try {
      const token = jwt.trim();
      const { kid, alg } = decodeProtectedHeader(token);
      if (typeof kid === 'string') ({ payload } = await jwtVerify(token, this.options.keys.keyFor, options));
      else payload = await verifyWithAnyKey(token, await this.options.keys.keysForAlg(alg), options);
    } catch (error) {
      const transient = error instanceof IssuerUnavailableError;
      throw new DocumentError(`${uri} failed verification`, transient, { cause: error });
    }
    const { ttl, iat, exp } = payload;
    if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
      throw new DocumentError(`${uri}: ttl is not a positive number`, false);
    }
    try {
      return { uri, ...decodeStatusList(payload.status_list), iat: iat!, exp, ttl };
    } catch (error) {
      throw new DocumentError(`${uri}: ${(error as Error).message}`, false, { cause: error });
    }
  }
}

/** §11.3 lets the list name its key by kid or not at all: without one, any JWKS key of its alg may have signed it. */
async function verifyWithAnyKey(jwt: string, keys: readonly CryptoKey[], options: JWTVerifyOptions): Promise<JWTPayload> {
  let failure: unknown = new InvalidTokenError('no key of the issuer JWKS has this alg');
  for (const key of keys) {
    try {
      return (await jwtVerify(jwt, key, options)).payload;
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error;
      failure = error;
    }
  }
  throw failure;
}
