import { createHash } from 'node:crypto';
import { type CryptoKey, type JWK, importJWK } from 'jose';
import type { Audit } from '../audit.js';
import type { Clock } from '../clock.js';
import { addSeconds } from '../clock.js';
import type { Config, SigningAlg } from '../config.js';
import { notFound } from '../errors.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { KeyChange, KeyState, SigningKeyRecord, SigningKeyStore } from '../store/signing-keys.js';
import { generateSigningKey } from './generate.js';
import { type KeyPlan, planKeySchedule, removalTime } from './lifecycle.js';
import type { Sealer } from './sealing.js';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
  /** When this key started signing. */
  activatesAt: Date;
}

export interface JwksDocument {
  body: string;
  etag: string;
}

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
const NO_ACTOR: Actor = {};

interface Snapshot {
  signing: SigningKey | undefined;
  verifiers: Map<string, { alg: string; key: CryptoKey }>;
  jwks: JwksDocument;
}

// Published: pending (so caches learn it before it signs), active, retired (until its tokens expire).
const PUBLISHED: ReadonlySet<KeyState> = new Set(['pending', 'active', 'retired']);
const MIN_RELOAD_GAP_MS = 5_000;

/**
 * The one place that holds key material: the active signing key, the verification keys and
 * the JWKS document (derived from the key states, cached with its ETag). Every instance
 * reloads from the database every KEY_CHECK_INTERVAL, and at once on an unknown kid.
 */
export class KeyRing {
  #snapshot: Snapshot = { signing: undefined, verifiers: new Map(), jwks: jwksDocument([]) };
  #imported = new Map<string, CryptoKey>();
  #lastReload = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
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
    this.#timer = setInterval(() => this.tick().catch(onError), this.config.keyCheckInterval * 1000);
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
      // Generated outside the lock (RSA takes a while); dropped if another instance got there first.
      const fresh = preview.create ? await generateSigningKey(this.config.signingAlg) : undefined;
      const events = await this.store.applyChanges((keys) => {
        const plan = planKeySchedule(keys, now, this.config);
        return withCreatedKey(plan, fresh && this.#record(fresh, plan, now));
      }, now);
      events.forEach((e) => this.audit.logged(e));
    }
    await this.reload();
  }

  /** Admin: a new key, pre-published (default) or signing at once (`now`). */
  async rotate(options: { now: boolean }, actor: Actor = NO_ACTOR): Promise<{ kid: string; alg: string; state: KeyState }> {
    const now = this.clock.now();
    const fresh = await generateSigningKey(this.config.signingAlg);
    const created = await this.store.applyChanges((keys) => {
      const changes: KeyChange[] = [];
      const events: SecurityEvent[] = [];
      const active = keys.find((k) => k.state === 'active');
      const activatesAt = options.now ? now : addSeconds(now, this.config.keyPrepublish);
      // A rotation replaces any key still waiting, so the queue never grows.
      for (const key of keys.filter((k) => k.state === 'pending')) {
        changes.push({ type: 'remove', kid: key.kid });
        events.push({ type: 'key_removed', details: { kid: key.kid, reason: 'superseded' } });
      }
      const record = this.#sealed(fresh, options.now || !active ? 'active' : 'pending', activatesAt, now);
      changes.push({ type: 'create', key: record });
      events.push({ type: 'key_created', details: { kid: fresh.kid, alg: fresh.alg, state: record.state } });
      if (record.state === 'active' && active) {
        changes.push({ type: 'retire', kid: active.kid, at: now, removeAt: removalTime(now, this.config) });
        events.push({ type: 'key_retired', details: { kid: active.kid } });
      }
      events.push({ type: 'admin_key_rotated', details: { kid: fresh.kid, now: options.now } });
      const attributed = events.map((e) => ({ ...e, ...actor }));
      return { changes, events: attributed, result: { events: attributed, state: record.state } };
    }, now);
    created.events.forEach((e) => this.audit.logged(e));
    await this.reload();
    return { kid: fresh.kid, alg: fresh.alg, state: created.state };
  }

  /**
   * Emergency: the key leaves the JWKS at once; if it was signing, the next key signs at once.
   * Revoking a revoked key changes nothing; a removed (or never known) kid is not found.
   */
  async revoke(kid: string, actor: Actor = NO_ACTOR): Promise<{ kid: string; state: 'revoked' }> {
    const now = this.clock.now();
    // A spare is only needed when the signing key goes and no pre-published key can take over;
    // generated outside the lock (RSA is slow) and only then, as in tick().
    const live = await this.store.listLive();
    const needsSpare =
      live.find((k) => k.kid === kid)?.state === 'active' && !live.some((k) => k.state === 'pending' && k.kid !== kid);
    const spare = needsSpare ? await generateSigningKey(this.config.signingAlg) : undefined;
    const events = await this.store.applyChanges((keys) => {
      const target = keys.find((k) => k.kid === kid);
      if (!target) throw notFound(`no signing key with kid ${kid}`);
      if (target.state === 'revoked') return { changes: [], events: [], result: [] };
      const changes: KeyChange[] = [{ type: 'revoke', kid, at: now }];
      const events: SecurityEvent[] = [{ type: 'key_revoked', details: { kid, previousState: target.state } }];
      const rest = keys.filter((k) => k.kid !== kid);
      if (target.state === 'active') {
        const plan = planKeySchedule(rest, now, this.config);
        const next = withCreatedKey(plan, spare && this.#record(spare, plan, now));
        changes.push(...next.changes);
        events.push(...next.result);
      }
      events.push({ type: 'admin_key_revoked', details: { kid } });
      const attributed = events.map((e) => ({ ...e, ...actor }));
      return { changes, events: attributed, result: attributed };
    }, now);
    events.forEach((e) => this.audit.logged(e));
    await this.reload();
    // The pending key we counted on vanished meanwhile (another instance): make one now.
    if (!this.hasSigningKey()) await this.tick();
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

  /** Re-reads the keys: new snapshot, same CryptoKey objects for keys already imported. */
  async reload(): Promise<void> {
    this.#lastReload = Date.now();
    const keys = (await this.store.listLive()).filter((k) => PUBLISHED.has(k.state));
    const verifiers = new Map<string, { alg: string; key: CryptoKey }>();
    for (const k of keys) verifiers.set(k.kid, { alg: k.alg, key: await this.#importPublic(k) });
    const active = keys.find((k) => k.state === 'active');
    let signing = this.#snapshot.signing;
    if (!active) signing = undefined;
    else if (signing?.kid !== active.kid) {
      const privateJwk = JSON.parse(this.#openPrivate(active)) as JWK;
      signing = {
        kid: active.kid,
        alg: active.alg as SigningAlg,
        key: (await importJWK(privateJwk, active.alg)) as CryptoKey,
        activatesAt: active.activatesAt,
      };
    }
    for (const kid of this.#imported.keys()) if (!verifiers.has(kid)) this.#imported.delete(kid);
    this.#snapshot = { signing, verifiers, jwks: jwksDocument(keys) };
  }

  /** The key that signs now. Throws only if the database has no active key (readiness is false then). */
  signingKey(): SigningKey {
    const signing = this.#snapshot.signing;
    if (!signing) throw new Error('no active signing key');
    return signing;
  }

  hasSigningKey(): boolean {
    return this.#snapshot.signing !== undefined;
  }

  /** A published key by kid; an unknown kid triggers (rate-limited) reload in case another instance rotated. */
  async verificationKey(kid: string): Promise<{ alg: string; key: CryptoKey } | undefined> {
    const known = this.#snapshot.verifiers.get(kid);
    if (known || Date.now() - this.#lastReload < MIN_RELOAD_GAP_MS) return known;
    await this.reload();
    return this.#snapshot.verifiers.get(kid);
  }

  jwks(): JwksDocument {
    return this.#snapshot.jwks;
  }

  #openPrivate(key: SigningKeyRecord): string {
    try {
      return this.sealer.open('signing-key', key.sealedPrivateJwk, key.kid);
    } catch {
      // AES-GCM only says "unable to authenticate": name the likely cause for the operator.
      throw new Error(
        `KEY_ENCRYPTION_KEY: cannot decrypt signing key ${key.kid}; it was encrypted with another KEY_ENCRYPTION_KEY ` +
          '(every instance on one database must share it)',
      );
    }
  }

  async #importPublic(k: SigningKeyRecord): Promise<CryptoKey> {
    const cached = this.#imported.get(k.kid);
    if (cached) return cached;
    const key = (await importJWK(k.publicJwk as JWK, k.alg)) as CryptoKey;
    this.#imported.set(k.kid, key);
    return key;
  }

  #record(fresh: Awaited<ReturnType<typeof generateSigningKey>>, plan: KeyPlan, now: Date): SigningKeyRecord | undefined {
    if (!plan.create) return undefined;
    return this.#sealed(fresh, plan.create.activeNow ? 'active' : 'pending', plan.create.activatesAt, now);
  }

  #sealed(fresh: Awaited<ReturnType<typeof generateSigningKey>>, state: KeyState, activatesAt: Date, now: Date): SigningKeyRecord {
    return {
      kid: fresh.kid,
      alg: fresh.alg,
      state,
      publicJwk: fresh.publicJwk as Record<string, unknown>,
      sealedPrivateJwk: this.sealer.seal('signing-key', JSON.stringify(fresh.privateJwk), fresh.kid),
      createdAt: now,
      activatesAt,
      retiredAt: null,
      removeAt: null,
      revokedAt: null,
    };
  }
}

function retirement(key: SigningKeyRecord, nextPending: SigningKeyRecord | undefined, config: Config): Date | null {
  if (key.retiredAt) return key.retiredAt;
  if (key.state === 'active') return nextPending?.activatesAt ?? addSeconds(key.activatesAt, config.keyRotationInterval);
  if (key.state === 'pending') return addSeconds(key.activatesAt, config.keyRotationInterval);
  return key.state === 'revoked' ? key.revokedAt : null;
}

function withCreatedKey(plan: KeyPlan, created: SigningKeyRecord | undefined) {
  const changes = [...plan.changes];
  const events = [...plan.events];
  if (plan.create && created) {
    changes.push({ type: 'create', key: created });
    events.push({ type: 'key_created', details: { kid: created.kid, alg: created.alg, state: created.state } });
  }
  return { changes, events, result: events };
}

/** RFC 7517 §5: the JWK Set, public members only; serialised once per key change. */
function jwksDocument(keys: SigningKeyRecord[]): JwksDocument {
  const ordered = [...keys].sort((a, b) => +b.activatesAt - +a.activatesAt);
  const body = JSON.stringify({ keys: ordered.map((k) => publicMembers(k.publicJwk)) });
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;
function publicMembers(jwk: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(PUBLIC_MEMBERS.filter((m) => jwk[m] !== undefined).map((m) => [m, jwk[m]]));
}
