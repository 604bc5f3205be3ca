import type { JSONWebKeySet } from 'jose';
import type { InspectionSources } from '../inspect.js';
import { STATUS_LIST_MEDIA_TYPE } from '../status-list.js';

// The page's only network: GETs of the JWKS and of status lists, never carrying the token.
// The CSP's connect-src allows this server's origins only; a URL elsewhere is refused here,
// with a reason, before the browser blocks it.

// Short: the page answers for the live JWKS (a revoked key disappears from it), and each fetch revalidates.
const CACHE_MS = 5_000;

export class BlockedByPolicy extends Error {}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class PageSources {
  readonly #jwks = new Map<string, Cached<JSONWebKeySet>>();
  readonly #lists = new Map<string, Cached<string>>();

  constructor(private readonly allowedOrigins: readonly string[]) {}

  /** The origins the page may fetch from (its CSP connect-src). */
  get origins(): readonly string[] {
    return this.allowedOrigins;
  }

  for(jwksUrl: string): InspectionSources {
    return {
      jwksUrl,
      fetchJwks: () => this.#cached(this.#jwks, jwksUrl, () => this.#getJwks(jwksUrl)),
      fetchStatusList: (uri) => this.#cached(this.#lists, uri, () => this.#get(uri, STATUS_LIST_MEDIA_TYPE)),
      inflate,
    };
  }

  #cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = load();
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    return value;
  }

  async #getJwks(url: string): Promise<JSONWebKeySet> {
    let body: unknown;
    try {
      body = JSON.parse(await this.#get(url, 'application/json'));
    } catch (error) {
      if (error instanceof SyntaxError) throw new Error(`${url} is not JSON`, { cause: error });
      throw error;
    }
    if (!Array.isArray((body as JSONWebKeySet | null)?.keys)) throw new Error(`${url} is not a JWKS ({"keys": [...]})`);
    return body as JSONWebKeySet;
  }

  async #get(url: string, accept: string): Promise<string> {
    const target = new URL(url, location.href);
    if (!this.allowedOrigins.includes(target.origin)) {
      throw new BlockedByPolicy(
        `this page may only fetch from ${this.allowedOrigins.join(' and ')} (its Content-Security-Policy); ` +
          'for another server use `latchkey token inspect --jwks URL`',
      );
    }
    let res: Response;
    try {
      // No credentials, no referrer: a plain GET of a public document.
      res = await fetch(target, {
        headers: { accept },
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        redirect: 'error',
        cache: 'no-cache',
      });
    } catch {
      throw new Error(`cannot reach ${target.origin}`);
    }
    if (!res.ok) throw new Error(`${target.href} answered ${res.status}`);
    return res.text();
  }
}

/** RFC 1950 zlib via the browser's DecompressionStream ("deflate" is the zlib format), bounded. */
async function inflate(compressed: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(compressed)]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`inflates to more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
