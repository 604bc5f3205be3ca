import type { AppError } from '../errors.js';
import type { Refusal } from '../limits/attempt-guard.js';
import type { IssuedTokens } from './deps.js';

export type LoginOutcome = 'success' | 'failure' | 'locked';
export type RefreshOutcome = 'rotated' | 'grace' | 'reuse_detected' | 'expired' | 'invalid';

/**
 * How a login or a refresh ended: the outcome, and the tokens to answer with or the error to
 * throw. An error thrown instead (a bad scope, the database away) ends nothing countable.
 */
export type Ended<Outcome extends string> =
  | { outcome: Outcome; tokens: IssuedTokens; error?: undefined; refusal?: undefined }
  | { outcome: Outcome; error: AppError; tokens?: undefined; refusal?: Refusal };

/** Counts outcomes (src/metrics.ts maps each to its counter); the rules only return them. */
export interface OutcomeCounter {
  countLogin(ended: { outcome: LoginOutcome; refusal?: Refusal }): void;
  countRefresh(ended: { outcome: RefreshOutcome }): void;
  /** A limit refused a request (429). */
  countRefusal(refusal: Refusal): void;
}

/** Counts how it ended, then hands back the tokens or throws the error. */
export function settle<Outcome extends string>(ended: Ended<Outcome>, count: (ended: Ended<Outcome>) => void): IssuedTokens {
  count(ended);
  if (ended.error) throw ended.error;
  return ended.tokens;
}
