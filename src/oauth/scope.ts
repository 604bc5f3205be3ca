import { AppError } from '../errors.js';

// Scopes and permissions: one vocabulary. A permission is a scope token (RFC 6749 §3.3); a
// token's `scope` claim is a space-separated list of them (RFC 9068 §2.2.3, RFC 8693 §4.2).

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). No space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Longest permission or scope token accepted (ours; RFC 6749 sets none). */
export const MAX_SCOPE_TOKEN_LENGTH = 128;

export const isScopeToken = (value: string) => value.length <= MAX_SCOPE_TOKEN_LENGTH && SCOPE_TOKEN.test(value);

/**
 * A `scope` request parameter → its tokens, deduplicated. RFC 6749 §3.3: space-delimited,
 * order does not matter. Absent or empty → undefined ("not asked": §3.1 treats an empty
 * parameter as omitted). Malformed → invalid_scope.
 */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tokens = value.split(' ').filter(Boolean);
  if (tokens.length === 0) return undefined;
  const bad = tokens.find((t) => !isScopeToken(t));
  if (bad !== undefined) throw new AppError('invalid_scope', `scope: "${printable(bad)}" is not a valid scope token`);
  return [...new Set(tokens)];
}

export interface ScopeRequest {
  /** What the subject holds: a user's permissions (union of their roles'), or a client's own scopes. */
  held: readonly string[];
  /** What the request asked for (`scope` parameter); undefined: everything held. */
  requested: readonly string[] | undefined;
  /**
   * Ceilings the grant may never exceed, each `null` when there is none: a registered client's
   * `scopes`, the scope a session was granted at login (RFC 6749 §6). A requested token above
   * any ceiling is `invalid_scope` (RFC 6749 §5.2).
   */
  ceilings: readonly (readonly string[] | null)[];
}

/**
 * The one rule for every grant (login, refresh, client credentials):
 *   granted = held ∩ requested ∩ every ceiling, sorted.
 * Asking above a ceiling is refused (invalid_scope); asking for something within the ceilings
 * that the subject does not hold is simply not granted (RFC 6749 §3.3: the server may grant
 * less, and the response's `scope` says what was granted).
 */
export function grantScope({ held, requested, ceilings }: ScopeRequest): string[] {
  const limits = ceilings.filter((c): c is readonly string[] => c !== null).map((c) => new Set(c));
  if (requested) {
    const above = requested.filter((token) => limits.some((limit) => !limit.has(token)));
    if (above.length) {
      throw new AppError('invalid_scope', `scope: ${above.map(printable).join(' ')} exceeds what this grant may carry`);
    }
  }
  const asked = requested ? new Set(requested) : undefined;
  return [...new Set(held)].filter((token) => (!asked || asked.has(token)) && limits.every((l) => l.has(token))).sort();
}

/** The `scope` member of a token response / claim: space-separated, or absent when empty. */
export const formatScope = (scope: readonly string[]): string | undefined => (scope.length ? scope.join(' ') : undefined);

const printable = (value: string) => value.slice(0, MAX_SCOPE_TOKEN_LENGTH).replace(/[^\x20-\x7E]/g, '?');
