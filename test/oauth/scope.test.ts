import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { grantScope, parseScope } from '../../src/oauth/scope.js';

// The one scope rule (src/oauth/scope.ts): granted = held ∩ requested ∩ every ceiling.

describe('parseScope (RFC 6749 §3.3)', () => {
  it('splits on spaces, drops duplicates, treats empty as not asked', () => {
    expect(parseScope('a b  a')).toEqual(['a', 'b']);
    expect(parseScope('')).toBeUndefined();
    expect(parseScope('   ')).toBeUndefined();
    expect(parseScope(undefined)).toBeUndefined();
  });

  it('refuses characters outside the scope-token grammar with invalid_scope', () => {
    for (const bad of ['a"b', 'a\\b', 'é', 'tab\there', 'x'.repeat(129)]) {
      expect(() => parseScope(bad), bad).toThrowError(expect.objectContaining({ code: 'invalid_scope' }));
    }
  });
});

describe('grantScope', () => {
  const held = ['orders:read', 'orders:write', 'admin'];

  it('grants everything held when nothing is asked and there is no ceiling', () => {
    expect(grantScope({ held, requested: undefined, ceilings: [null] })).toEqual(['admin', 'orders:read', 'orders:write']);
  });

  it('narrows to what was asked, silently leaving out what is not held', () => {
    expect(grantScope({ held, requested: ['orders:read', 'reports:read'], ceilings: [null] })).toEqual(['orders:read']);
  });

  it('never exceeds any ceiling, and asking above one is invalid_scope', () => {
    expect(grantScope({ held, requested: undefined, ceilings: [['orders:read', 'orders:write'], ['orders:read']] })).toEqual([
      'orders:read',
    ]);
    const refused = (() => {
      try {
        grantScope({ held, requested: ['admin'], ceilings: [['orders:read']] });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'invalid_scope', status: 400 });
  });

  it('an empty ceiling grants nothing (a client registered without scopes)', () => {
    expect(grantScope({ held, requested: undefined, ceilings: [[]] })).toEqual([]);
  });
});
