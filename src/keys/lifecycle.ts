import { addSeconds } from '../clock.js';
import type { Config } from '../config.js';
import type { SecurityEvent } from '../store/security-events.js';
import type { KeyChange, SigningKeyRecord } from '../store/signing-keys.js';

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
