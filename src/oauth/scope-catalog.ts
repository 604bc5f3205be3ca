import type { Clock } from '../clock.js';

/** How stale the advertised list may get on an instance that did not make the change itself. */
export const SCOPE_CATALOG_MAX_AGE = 60;

/**
 * The scope values this server knows (every role's permissions and every client's scopes), for
 * RFC 8414 `scopes_supported`. Reading never waits on the database: the list is reloaded
 * after a change on this instance, and in the background once it is SCOPE_CATALOG_MAX_AGE
 * seconds old (changes made through another instance). RFC 8414 §2 lets a server leave values
 * out of this list, so a briefly stale one is allowed.
 */
export class ScopeCatalog {
  #scopes: readonly string[] = [];
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<string[]>,
    private readonly clock: Clock,
  ) {}

  current(): readonly string[] {
    if (this.clock.now().getTime() - this.#loadedAt >= SCOPE_CATALOG_MAX_AGE * 1000) void this.refresh().catch(() => undefined);
    return this.#scopes;
  }

  refresh(): Promise<void> {
    this.#loading ??= this.load()
      .then((scopes) => {
        this.#scopes = Object.freeze([...scopes].sort());
        this.#loadedAt = this.clock.now().getTime();
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }
}
