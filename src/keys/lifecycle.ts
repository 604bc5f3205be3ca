import { addSeconds } from '../clock.js';
import type { Config } from '../config.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { KeyChange, KeyState, SigningKeyRecord } from '../store/signing-keys.js';

// The signing-key schedule as a pure function: keys + time + config in, changes out.
// pending (published, not signing) → active (signing; exactly one) → retired (published
// until its last token expired) → removed; revoked leaves the JWKS at once.

export type ScheduleConfig = Pick<
  Config,
  'signingAlg' | 'keyRotationInterval' | 'keyPrepublish' | 'accessTokenTtl' | 'clockSkew'
>;

export interface KeyPlan {
  changes: KeyChange[];
  events: SecurityEvent[];
  /** A new key is needed: `activatesAt` tells when it will sign; `now` means at once. */
  create?: { activatesAt: Date; activeNow: boolean };
}

/** When a retired key may leave the JWKS: every token it signed has expired (exp + skew). */
export const removalTime = (retiredAt: Date, config: ScheduleConfig) =>
  addSeconds(retiredAt, config.accessTokenTtl + config.clockSkew);

export function planKeySchedule(keys: SigningKeyRecord[], now: Date, config: ScheduleConfig): KeyPlan {
  const changes: KeyChange[] = [];
  const events: SecurityEvent[] = [];
  let active = keys.find((k) => k.state === 'active');
  const pending = keys.filter((k) => k.state === 'pending').sort((a, b) => +a.activatesAt - +b.activatesAt);

  // Retired keys leave once their last token can no longer verify.
  for (const key of keys) {
    if (key.state === 'retired' && key.removeAt && key.removeAt <= now) {
      changes.push({ type: 'remove', kid: key.kid });
      events.push({ type: 'key_removed', details: { kid: key.kid } });
    }
  }

  // A pending key whose time has come takes over; with no active key (first start, or the
  // active key was revoked) the earliest pending key takes over at once.
  const due = pending.find((k) => k.activatesAt <= now) ?? (active ? undefined : pending[0]);
  if (due) {
    if (active) {
      changes.push({ type: 'retire', kid: active.kid, at: now, removeAt: removalTime(now, config) });
      events.push({ type: 'key_retired', details: { kid: active.kid } });
    }
    changes.push({ type: 'activate', kid: due.kid, at: now });
    events.push({ type: 'key_activated', details: { kid: due.kid } });
    active = { ...due, state: 'active', activatesAt: now };
  }
  const stillPending = pending.filter((k) => k !== due);

  if (!active) return { changes, events, create: { activatesAt: now, activeNow: true } };
  if (stillPending.length > 0) return { changes, events };

  // The next key is published KEY_PREPUBLISH before it signs. A change of SIGNING_ALG rolls
  // through the same path: the next key has the new algorithm and is pre-published too.
  const scheduled = addSeconds(active.activatesAt, config.keyRotationInterval);
  const algChanged = active.alg !== config.signingAlg;
  const activatesAt = algChanged ? addSeconds(now, config.keyPrepublish) : scheduled;
  if (algChanged || addSeconds(now, config.keyPrepublish) >= scheduled) {
    const at = activatesAt < addSeconds(now, config.keyPrepublish) ? addSeconds(now, config.keyPrepublish) : activatesAt;
    return { changes, events, create: { activatesAt: at, activeNow: false } };
  }
  return { changes, events };
}

// Admin transitions, decided the same way: the keys as they are under the lock, the clock and
// the config in; changes and events out. keys/key-admin.ts generates keys and applies.

/** A generated key, sealed, before the decision gives it a state and an activation time. */
export type KeyCandidate = Omit<SigningKeyRecord, 'state' | 'activatesAt'>;

export interface KeyDecision {
  changes: KeyChange[];
  events: SecurityEvent[];
}

/** The schedule's plan, with the key it asked for (when one was generated) created. */
export function withCreatedKey(plan: KeyPlan, candidate: KeyCandidate | undefined): KeyDecision {
  const changes = [...plan.changes];
  const events = [...plan.events];
  if (plan.create && candidate) {
    const key: SigningKeyRecord = {
      ...candidate,
      state: plan.create.activeNow ? 'active' : 'pending',
      activatesAt: plan.create.activatesAt,
    };
    changes.push({ type: 'create', key });
    events.push({ type: 'key_created', details: { kid: key.kid, alg: key.alg, state: key.state } });
  }
  return { changes, events };
}

/**
 * `keys rotate [--now]`: the candidate is pre-published for KEY_PREPUBLISH (or signs at once
 * with `now`, retiring the active key). It replaces any key still waiting, so the queue never
 * grows. With no active key at all it signs at once either way.
 */
export function planRotation(
  keys: SigningKeyRecord[],
  candidate: KeyCandidate,
  now: Date,
  config: ScheduleConfig,
  options: { now: boolean },
): KeyDecision & { state: KeyState } {
  const changes: KeyChange[] = [];
  const events: SecurityEvent[] = [];
  const active = keys.find((k) => k.state === 'active');
  for (const key of keys.filter((k) => k.state === 'pending')) {
    changes.push({ type: 'remove', kid: key.kid });
    events.push({ type: 'key_removed', details: { kid: key.kid, reason: 'superseded' } });
  }
  const state: KeyState = options.now || !active ? 'active' : 'pending';
  const activatesAt = options.now ? now : addSeconds(now, config.keyPrepublish);
  changes.push({ type: 'create', key: { ...candidate, state, activatesAt } });
  events.push({ type: 'key_created', details: { kid: candidate.kid, alg: candidate.alg, state } });
  if (state === 'active' && active) {
    changes.push({ type: 'retire', kid: active.kid, at: now, removeAt: removalTime(now, config) });
    events.push({ type: 'key_retired', details: { kid: active.kid } });
  }
  events.push({ type: 'admin_key_rotated', details: { kid: candidate.kid, now: options.now } });
  return { changes, events, state };
}

/** Whether revoking `kid` leaves nothing to sign with unless a spare key is generated first. */
export function revocationNeedsSpare(keys: SigningKeyRecord[], kid: string): boolean {
  const target = keys.find((k) => k.kid === kid);
  return target?.state === 'active' && !keys.some((k) => k.state === 'pending' && k.kid !== kid);
}

/**
 * `keys revoke KID`: out of the JWKS at once; if it was signing, the schedule picks the next
 * signer at once (the pre-published key, else the spare). Undefined: no such live key.
 * Revoking a revoked key changes nothing.
 */
export function planRevocation(
  keys: SigningKeyRecord[],
  kid: string,
  now: Date,
  config: ScheduleConfig,
  spare: KeyCandidate | undefined,
): KeyDecision | undefined {
  const target = keys.find((k) => k.kid === kid);
  if (!target) return undefined;
  if (target.state === 'revoked') return { changes: [], events: [] };
  const changes: KeyChange[] = [{ type: 'revoke', kid, at: now }];
  const events: SecurityEvent[] = [{ type: 'key_revoked', details: { kid, previousState: target.state } }];
  if (target.state === 'active') {
    const next = withCreatedKey(
      planKeySchedule(
        keys.filter((k) => k.kid !== kid),
        now,
        config,
      ),
      spare,
    );
    changes.push(...next.changes);
    events.push(...next.events);
  }
  events.push({ type: 'admin_key_revoked', details: { kid } });
  return { changes, events };
}
