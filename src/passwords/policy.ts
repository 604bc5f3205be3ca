import { createRequire } from 'node:module';
import { invalidRequest } from '../errors.js';

// Contract: NFKC before the length check and before hashing, so register and login agree.
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** NFKC-normalises a password; counts length in code points (not UTF-16 units). */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

export function passwordLengthProblem(normalised: string): string | undefined {
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (normalised.includes('\u0000')) return 'must not contain NUL characters';
  return undefined;
}

const require = createRequire(import.meta.url);
let common: Set<string> | undefined;

/**
 * OWASP ASVS 6.2.4 / NIST 800-63B §5.1.1.2: refuse passwords from a list of common and
 * breached ones (the ~49,000 of @zxcvbn-ts/language-common, compared case-insensitively).
 */
export function isCommonPassword(normalised: string): boolean {
  common ??= loadCommonPasswords();
  return common.has(normalised.toLowerCase());
}

/**
 * Loaded on the first new password (registration, admin create, change, reset): a process that
 * only logs users in and refreshes never holds the package's word lists (2.2 MB of live heap in
 * the server, more RSS with their source; docs/performance.md "Memory").
 */
function loadCommonPasswords(): Set<string> {
  const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  return new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
}

/** For new passwords (registration, admin create, change, reset): length and the common-password list. */
export function assertAcceptableNewPassword(normalised: string, field = 'password'): void {
  const problem = passwordLengthProblem(normalised);
  if (problem) throw invalidRequest(`${field}: ${problem}`);
  if (isCommonPassword(normalised)) throw invalidRequest(`${field}: is too common; choose another`);
}
