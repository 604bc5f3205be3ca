import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store/index.js';
import { ClockedRateLimiter } from './clocked-limiter.js';
import { type CounterBackend, MemoryCounters } from './counters.js';
import { counterKey } from './login-attempts.js';

// Brute-force limits for client authentication at /oauth/* and /auth/login with a client
// (CONTRACT Part 2: "failed client authentications count toward brute-force limits per client
// and per IP"). A 256-bit secret cannot be guessed; these limits stop the flood, and keep a
// sprayer from turning every guess into a database read.

interface Window {
  points: number;
  duration: number;
}

export interface ClientAuthPolicy {
  /** Failed client authentications per IP, whatever the client. */
  perIp: Window;
  /** Failed authentications of one client id from one IP (a client elsewhere is not locked out). */
  perClient: Window;
}

export const CLIENT_AUTH_POLICY: ClientAuthPolicy = {
  perIp: { points: 30, duration: 600 },
  perClient: { points: 10, duration: 600 },
};

export interface ClientAuthAttempt {
  /** As presented (attacker-chosen for an unknown client: only its hash becomes a key). */
  clientId: string;
  ip: string | null;
}

export interface ClientAuthRefusal {
  limiter: 'client_auth_ip' | 'client_auth_client';
  retryAfter: number;
}

/**
 * Consulted before the secret is checked (concurrently with the client look-up, so it adds no
 * latency) and told about each failure. A success writes nothing: the token endpoint's hot
 * path stays free of counter writes.
 */
export interface ClientAuthGuard {
  refusal(attempt: ClientAuthAttempt): Promise<ClientAuthRefusal | undefined>;
  failed(attempt: ClientAuthAttempt): Promise<void>;
}

const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

export class ClientAuthAttempts implements ClientAuthGuard {
  private readonly ip: RateLimiterAbstract;
  private readonly client: RateLimiterAbstract;

  constructor(
    make: (name: string, window: Window) => RateLimiterAbstract,
    private readonly policy: ClientAuthPolicy = CLIENT_AUTH_POLICY,
  ) {
    this.ip = make('client_auth_ip', policy.perIp);
    this.client = make('client_auth_client', policy.perClient);
  }

  async refusal({ clientId, ip }: ClientAuthAttempt): Promise<ClientAuthRefusal | undefined> {
    const [byIp, byClient] = await Promise.all([this.ip.get(counterKey(ip)), this.client.get(counterKey(clientId, ip))]);
    if (byIp && byIp.consumedPoints >= this.policy.perIp.points) return { limiter: 'client_auth_ip', retryAfter: seconds(byIp) };
    if (byClient && byClient.consumedPoints >= this.policy.perClient.points) {
      return { limiter: 'client_auth_client', retryAfter: seconds(byClient) };
    }
    return undefined;
  }

  async failed({ clientId, ip }: ClientAuthAttempt): Promise<void> {
    await Promise.all([this.ip.penalty(counterKey(ip)), this.client.penalty(counterKey(clientId, ip))]);
  }
}

const unlimited: ClientAuthGuard = {
  refusal: async () => undefined,
  failed: async () => undefined,
};

/** Same counters as the other limits: the database on PostgreSQL (shared), memory on PGlite; off with RATE_LIMIT=false. */
export function createClientAuthLimits(config: Config, store: Store, clock: Clock, policy = CLIENT_AUTH_POLICY): ClientAuthGuard {
  if (!config.rateLimit) return unlimited;
  const backend: CounterBackend = store.kind === 'postgres' ? store.rateLimits : new MemoryCounters();
  return new ClientAuthAttempts(
    (name, { points, duration }) => new ClockedRateLimiter({ keyPrefix: name, points, duration }, backend, clock),
    policy,
  );
}
