import type { Config } from '../../config.js';
import type { Store } from '../../store/index.js';
import type { AuthRouteLimits } from '../auth-routes.js';

/** Brute-force limits for the auth routes (issue 4). Empty: no limits yet. */
export function createRateLimits(_config: Config, _store: Store): Partial<AuthRouteLimits> {
  return {};
}
