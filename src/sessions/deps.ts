import type { Audit } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Sealer } from '../keys/sealing.js';
import type { PasswordHasher } from '../passwords/hashing.js';
import type { Store } from '../store/index.js';
import type { OutcomeCounter } from './outcome.js';
import { type AccessTokens, FIRST_PARTY_CLIENT_ID } from '../tokens/access-token.js';

export interface SessionDeps {
  store: Store;
  hasher: PasswordHasher;
  accessTokens: AccessTokens;
  sealer: Sealer;
  audit: Audit;
  clock: Clock;
  config: Config;
  /** Counts what logins and refreshes ended in (src/metrics.ts implements it). */
  metrics: OutcomeCounter;
}

/** Who is asking: for security events and session metadata. Never contains secrets. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** What login and refresh hand back; the route turns it into the token response and the cookie. */
export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  /** Seconds the refresh cookie should live: min(absolute expiry left, idle TTL). */
  refreshMaxAge: number;
  sessionId: string;
  /** RFC 9068 §2.2.3: what the access token's `scope` grants (empty: no claim). */
  scope: string[];
  /** RFC 9068 §2.2.3.1: the user's roles the access token carries. */
  roles: string[];
}

/** The client a token is issued to or presented by (RFC 6749 §2). */
export interface PresentingClient {
  id: string;
  /** The most any token of this client may carry; null: no ceiling (the first-party client). */
  scopes: readonly string[] | null;
}

/** The built-in first-party client of the cookie flow: no registration, no scope ceiling. */
export const FIRST_PARTY_CLIENT: PresentingClient = Object.freeze({ id: FIRST_PARTY_CLIENT_ID, scopes: null });
