import { describe, expect, it } from 'vitest';
import { addSeconds } from '../../src/clock.js';
import { type ScheduleConfig, planKeySchedule } from '../../src/keys/lifecycle.js';
import type { KeyState, SigningKeyRecord } from '../../src/store/signing-keys.js';

// planKeySchedule is the whole rotation policy as a pure function: keys + time + config in,
// changes out. These cases pin its edges; test/keys/lifecycle.test.ts runs it end to end.

const config: ScheduleConfig = {
  signingAlg: 'ES256',
  keyRotationInterval: 3600,
  keyPrepublish: 600,
  accessTokenTtl: 300,
  clockSkew: 30,
};
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => addSeconds(T0, seconds);

function key(kid: string, state: KeyState, activatesAt: Date, extra: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid,
    alg: 'ES256',
    state,
    publicJwk: {},
    sealedPrivateJwk: '',
    createdAt: T0,
    activatesAt,
    retiredAt: null,
    removeAt: null,
    revokedAt: null,
    ...extra,
  };
}

describe('planKeySchedule', () => {
  it('asks for a key that signs at once on an empty database', () => {
    expect(planKeySchedule([], T0, config)).toEqual({ changes: [], events: [], create: { activatesAt: T0, activeNow: true } });
  });

  it('does nothing while the active key is young', () => {
    expect(planKeySchedule([key('a', 'active', T0)], at(3000 - 1), config)).toEqual({ changes: [], events: [] });
  });

  it('asks for the next key exactly KEY_PREPUBLISH before the scheduled switch', () => {
    expect(planKeySchedule([key('a', 'active', T0)], at(3000), config).create).toEqual({ activatesAt: at(3600), activeNow: false });
  });

  it('never shortens pre-publication when the schedule was missed', () => {
    expect(planKeySchedule([key('a', 'active', T0)], at(9000), config).create).toEqual({
      activatesAt: at(9000 + 600),
      activeNow: false,
    });
  });

  it('does not queue a second key while one is pending', () => {
    const plan = planKeySchedule([key('a', 'active', T0), key('b', 'pending', at(3600))], at(3500), config);
    expect(plan).toEqual({ changes: [], events: [] });
  });

  it('switches when the pending key is due: retires the active key until its tokens expired', () => {
    const plan = planKeySchedule([key('a', 'active', T0), key('b', 'pending', at(3600))], at(3600), config);
    expect(plan.changes).toEqual([
      { type: 'retire', kid: 'a', at: at(3600), removeAt: at(3600 + 300 + 30) },
      { type: 'activate', kid: 'b', at: at(3600) },
    ]);
    expect(plan.create).toBeUndefined();
  });

  it('activates the earliest pending key at once when nothing is active (active key revoked)', () => {
    const plan = planKeySchedule(
      [key('r', 'revoked', T0), key('late', 'pending', at(900)), key('early', 'pending', at(600))],
      at(10),
      config,
    );
    expect(plan.changes).toEqual([{ type: 'activate', kid: 'early', at: at(10) }]);
    expect(plan.create).toBeUndefined();
  });

  it('removes a retired key at its removal time, not a second before', () => {
    const keys = [key('b', 'active', at(3600)), key('a', 'retired', T0, { retiredAt: at(3600), removeAt: at(3930) })];
    expect(planKeySchedule(keys, at(3929), config).changes).toEqual([]);
    expect(planKeySchedule(keys, at(3930), config).changes).toEqual([{ type: 'remove', kid: 'a' }]);
  });

  it('ignores revoked keys: they are never activated, retired or removed by the schedule', () => {
    const plan = planKeySchedule([key('a', 'active', T0), key('x', 'revoked', at(100))], at(100), config);
    expect(plan).toEqual({ changes: [], events: [] });
  });

  it('rolls to a new SIGNING_ALG at once, still KEY_PREPUBLISH ahead', () => {
    const plan = planKeySchedule([key('a', 'active', T0)], at(60), { ...config, signingAlg: 'EdDSA' });
    expect(plan.create).toEqual({ activatesAt: at(660), activeNow: false });
  });
});
