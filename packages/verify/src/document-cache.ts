// One cached HTTP document (the JWKS, or one status list): conditional requests with its ETag,
// freshness from the issuer's caching directives, concurrent refreshes coalesced into one
// request, and the last good copy kept for stale-if-error (RFC 5861 §4 semantics).

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How the verifier reaches the issuer: shared by the JWKS and the status lists. */
export interface IssuerAccess {
  readonly algorithms: readonly string[];
  readonly fetch: FetchLike;
  /** ms since the epoch, on the verifier's clock */
  readonly now: () => number;
  readonly timeoutMs: number;
  /** Seconds a stale copy may still serve while the issuer cannot be reached. */
  readonly staleIfError: number;
}

/** Why a document could not be refreshed. `transient`: the issuer may answer later (network, 5xx, 429). */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentError';
  }
}

export interface Cached<T> {
  readonly value: T;
  readonly etag: string | undefined;
  /** ms since the epoch, on the verifier's clock */
  readonly fetchedAt: number;
  /** Fresh until then: used without asking the issuer. */
  readonly freshUntil: number;
  /** After freshness, usable while the issuer cannot be reached, until then. */
  readonly usableUntil: number;
}

export interface Response200 {
  readonly status: 200;
  readonly body: string;
  readonly contentType: string;
  readonly etag: string | undefined;
  readonly maxAge: number | undefined;
}
export interface Response304 {
  readonly status: 304;
  readonly maxAge: number | undefined;
}

/** `max-age` in seconds from a Cache-Control header; 0 for no-store/no-cache; undefined when absent. */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl.toLowerCase().split(',');
  let maxAge: number | undefined;
  for (const raw of directives) {
    const directive = raw.trim();
    if (directive === 'no-store' || directive === 'no-cache') return 0;
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive);
    if (match) maxAge = Number(match[1]);
  }
  return maxAge;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** GET a document, conditionally when an ETag is known. Every failure is a DocumentError. */
export async function getDocument(
  fetchImpl: FetchLike,
  url: string,
  options: { accept: string; etag: string | undefined; timeoutMs: number },
): Promise<Response200 | Response304> {
  const headers: Record<string, string> = { accept: options.accept };
  if (options.etag) headers['if-none-match'] = options.etag;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new DocumentError(`${url} could not be reached`, true, { cause: error });
  }
  const maxAge = maxAgeOf(response.headers.get('cache-control'));
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 304, maxAge };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    const transient = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DocumentError(`${url} answered ${response.status}`, transient);
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new DocumentError(`${url} is larger than ${MAX_BODY_BYTES} bytes`, false);
  }
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    throw new DocumentError(`${url} could not be read`, true, { cause: error });
  }
  return {
    status: 200,
    body,
    contentType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(),
    etag: response.headers.get('etag') ?? undefined,
    maxAge,
  };
}

/** After a failed refresh, the next attempt waits this long; meanwhile the stale copy serves (or requests fail fast). */
export const RETRY_AFTER_FAILURE_MS = 5_000;

export class DocumentCache<T> {
  #current: Cached<T> | undefined;
  #inflight: Promise<Cached<T>> | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastFailure: { at: number; error: DocumentError } | undefined;

  constructor(
    private readonly load: (previous: Cached<T> | undefined, now: number) => Promise<Cached<T>>,
    private readonly now: () => number,
  ) {}

  get current(): Cached<T> | undefined {
    return this.#current;
  }

  get lastAttemptAt(): number {
    return this.#lastAttemptAt;
  }

  /** Fetch now (joining a refresh already in flight). Rejects with a DocumentError. */
  refresh(): Promise<Cached<T>> {
    if (this.#inflight) return this.#inflight;
    const startedAt = this.now();
    this.#lastAttemptAt = startedAt;
    const attempt = this.load(this.#current, startedAt).then(
      (cached) => {
        this.#current = cached;
        this.#lastFailure = undefined;
        return cached;
      },
      (error: unknown) => {
        const failure = error instanceof DocumentError ? error : new DocumentError(String(error), false, { cause: error });
        this.#lastFailure = { at: startedAt, error: failure };
        throw failure;
      },
    );
    this.#inflight = attempt.finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /**
   * The fresh copy; else a refreshed one; else, while the issuer fails, the last good copy within
   * its `usableUntil`. Throws the refresh's DocumentError when none of these exists.
   */
  async usable(): Promise<Cached<T>> {
    const now = this.now();
    const current = this.#current;
    if (current && now < current.freshUntil) return current;
    const failure = this.#lastFailure;
    if (failure && now - failure.at < RETRY_AFTER_FAILURE_MS) {
      if (current && now < current.usableUntil) return current;
      throw failure.error;
    }
    try {
      return await this.refresh();
    } catch (error) {
      if (current && this.now() < current.usableUntil) return current;
      throw error;
    }
  }
}
