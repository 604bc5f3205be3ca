import type { Audit } from '../audit.js';
import type { Clock } from '../clock.js';
import { addSeconds } from '../clock.js';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { KeyState, SigningKeyRecord, SigningKeyStore } from '../store/signing-keys.js';
import { type GeneratedKey, generateSigningKey } from './generate.js';
import type { KeyRing } from './key-ring.js';
import {
  type KeyCandidate,
  type KeyDecision,
  planKeySchedule,
  planRevocation,
  planRotation,
  revocationNeedsSpare,
  withCreatedKey,
} from './lifecycle.js';
import type { Sealer } from './sealing.js';

// Every write to the signing keys: the schedule (every KEY_CHECK_INTERVAL), `keys rotate` and
// `keys revoke`. Each one generates what it may need outside the lock (RSA takes a while),
// lets keys/lifecycle.ts decide on the keys as they are under the lock, applies the decision
// in one transaction (store/signing-keys.ts), then reloads the key ring.

export interface KeySummary {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  /** When it stopped signing, or for the active and pending keys when it is scheduled to. */
  retiresAt: Date | null;
  removeAt: Date | null;
  revokedAt: Date | null;
}

/** Who asked for an admin action: attached to its security events. */
export interface Actor {
  ip?: string | null;
  requestId?: string | null;
}

export class KeyAdmin {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ring: KeyRing,
    private readonly store: SigningKeyStore,
    private readonly sealer: Sealer,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly audit: Audit,
  ) {}

  /** Applies the schedule (creating the first key on a new database) and loads the keys. */
  async start(): Promise<void> {
    await this.tick();
  }

  /** Runs the schedule every KEY_CHECK_INTERVAL seconds until stop(). */
  startTimer(onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => void this.tick().catch(onError), this.config.keyCheckInterval * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One step of the schedule: decide under the lock, apply, reload. Safe on every instance at once. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const preview = planKeySchedule(await this.store.listLive(), now, this.config);
    if (preview.changes.length > 0 || preview.create) {
      // Dropped if another instance got there first: the plan under the lock asks for no key.
      const fresh = preview.create ? await this.#candidate(now) : undefined;
      const events = await this.#apply((keys) => withCreatedKey(planKeySchedule(keys, now, this.config), fresh), now);
      events.forEach((e) => this.audit.logged(e));
    }
    await this.ring.reload();
  }

  /** Admin: a new key, pre-published (default) or signing at once (`now`). */
  async rotate(options: { now: boolean }, actor: Actor = {}): Promise<{ kid: string; alg: string; state: KeyState }> {
    const now = this.clock.now();
    const fresh = await this.#candidate(now);
    const { events, state } = await this.store.applyChanges((keys) => {
      const decision = attributed(planRotation(keys, fresh, now, this.config, options), actor);
      return { ...decision, result: { events: decision.events, state: decision.state } };
    }, now);
    events.forEach((e) => this.audit.logged(e));
    await this.ring.reload();
    return { kid: fresh.kid, alg: fresh.alg, state };
  }

  /**
   * Emergency: the key leaves the JWKS at once; if it was signing, the next key signs at once.
   * Revoking a revoked key changes nothing; a removed (or never known) kid is not found.
   */
  async revoke(kid: string, actor: Actor = {}): Promise<{ kid: string; state: 'revoked' }> {
    const now = this.clock.now();
    const spare = revocationNeedsSpare(await this.store.listLive(), kid) ? await this.#candidate(now) : undefined;
    const events = await this.#apply((keys) => {
      const decision = planRevocation(keys, kid, now, this.config, spare);
      if (!decision) throw notFound(`no signing key with kid ${kid}`);
      return attributed(decision, actor);
    }, now);
    events.forEach((e) => this.audit.logged(e));
    await this.ring.reload();
    // The pending key we counted on vanished meanwhile (another instance): make one now.
    if (!this.ring.hasSigningKey()) await this.tick();
    return { kid, state: 'revoked' };
  }

  /** Every key ever created (removed ones too), oldest first, without key material. */
  async list(): Promise<KeySummary[]> {
    const keys = await this.store.listAll();
    const nextPending = keys.filter((k) => k.state === 'pending').sort((a, b) => +a.activatesAt - +b.activatesAt)[0];
    return keys.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: k.state,
      createdAt: k.createdAt,
      activatesAt: k.activatesAt,
      retiresAt: retirement(k, nextPending, this.config),
      removeAt: k.removeAt,
      revokedAt: k.revokedAt,
    }));
  }

  /** Applies a decision in one locked transaction; returns its events for the log. */
  #apply(decide: (keys: SigningKeyRecord[]) => KeyDecision, now: Date): Promise<SecurityEvent[]> {
    return this.store.applyChanges((keys) => {
      const { changes, events } = decide(keys);
      return { changes, events, result: events };
    }, now);
  }

  /** A new key of SIGNING_ALG, its private half sealed for storage. */
  async #candidate(now: Date): Promise<KeyCandidate> {
    const fresh: GeneratedKey = await generateSigningKey(this.config.signingAlg);
    return {
      kid: fresh.kid,
      alg: fresh.alg,
      publicJwk: fresh.publicJwk,
      sealedPrivateJwk: this.sealer.seal('signing-key', JSON.stringify(fresh.privateJwk), fresh.kid),
      createdAt: now,
      retiredAt: null,
      removeAt: null,
      revokedAt: null,
    };
  }
}

const attributed = <D extends KeyDecision>(decision: D, actor: Actor): D => ({
  ...decision,
  events: decision.events.map((e) => ({ ...e, ...actor })),
});

function retirement(key: SigningKeyRecord, nextPending: SigningKeyRecord | undefined, config: Config): Date | null {
  if (key.retiredAt) return key.retiredAt;
  if (key.state === 'active') return nextPending?.activatesAt ?? addSeconds(key.activatesAt, config.keyRotationInterval);
  if (key.state === 'pending') return addSeconds(key.activatesAt, config.keyRotationInterval);
  return key.state === 'revoked' ? key.revokedAt : null;
}
