import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import { type JSONWebKeySet, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Expectations, type InspectionSources, inspectToken } from '../../src/inspect/inspect.js';
import { statusListJwt } from '../support/status-list.js';

// The inspection core shared by the /inspect page and `latchkey token inspect`: every defect is
// named (not only the first), time claims allow the clock skew, and the status list is read
// only for a token that is otherwise valid (draft-ietf-oauth-status-list-21 §8.3).

const ISSUER = 'https://auth.example.com';
const JWKS_URL = `${ISSUER}/.well-known/jwks.json`;
const now = new Date('2026-12-01T10:00:00Z');
const nowS = Math.floor(now.getTime() / 1000);
const expect_: Expectations = {
  issuer: ISSUER,
  audience: 'api',
  algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
  typ: 'at+jwt',
  clockSkew: 30,
};

let key: CryptoKey;
let jwks: JSONWebKeySet;
const fetched: string[] = [];
const lists = new Map<string, string>();
const sources: InspectionSources = {
  jwksUrl: JWKS_URL,
  fetchJwks: () => {
    fetched.push(JWKS_URL);
    return Promise.resolve(jwks);
  },
  fetchStatusList: (uri) => {
    fetched.push(uri);
    const jwt = lists.get(uri);
    if (!jwt) return Promise.reject(new Error('answered 404'));
    return Promise.resolve(jwt);
  },
  inflate: async (bytes, max) => new Uint8Array(await promisify(inflate)(bytes, { maxOutputLength: max })),
};

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  lists.set(
    `${ISSUER}/statuslists/1`,
    await statusListJwt({ uri: `${ISSUER}/statuslists/1`, revoked: [5], key, kid: 'k1', alg: 'ES256', iat: nowS }),
  );
});

function sign(claims: JWTPayload = {}, header: Record<string, unknown> = {}) {
  return new SignJWT({
    iss: ISSUER,
    aud: 'api',
    sub: 'u1',
    client_id: 'latchkey',
    jti: 'j1',
    iat: nowS - 60,
    exp: nowS + 540,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header })
    .sign(key);
}
const messages = async (token: string, expectations = expect_) =>
  (await inspectToken(token, expectations, sources, now)).defects.map((d) => d.message);

describe('inspectToken', () => {
  it('finds nothing wrong with a good token, and gives its times as dates', async () => {
    const report = await inspectToken(await sign(), expect_, sources, now);
    expect(report).toMatchObject({ valid: true, defects: [], notes: [], status: { state: 'none' } });
    expect(report.times).toEqual([
      { claim: 'iat', epoch: nowS - 60, date: '2026-12-01T09:59:00.000Z', relative: '1m ago' },
      { claim: 'exp', epoch: nowS + 540, date: '2026-12-01T10:09:00.000Z', relative: 'expires in 9m' },
    ]);
  });

  it('names every defect of a token wrong in several ways, not only the first', async () => {
    const token = await sign({ iss: 'https://evil.example', aud: 'billing', exp: nowS - 120, jti: undefined }, { typ: 'JWT' });
    expect(await messages(token)).toEqual([
      'wrong typ: "JWT" (expected "at+jwt")',
      'missing claim: jti',
      'wrong iss: "https://evil.example" (expected "https://auth.example.com")',
      'wrong aud: "billing" (expected "api")',
      'expired 2m ago (exp 2026-12-01T09:58:00.000Z)',
    ]);
  });

  it('allows the clock skew on exp, nbf and iat, and not one second more', async () => {
    expect(await messages(await sign({ exp: nowS - 29, nbf: nowS + 30, iat: nowS + 30 }))).toEqual([]);
    expect(await messages(await sign({ exp: nowS - 30, nbf: nowS + 31, iat: nowS + 31 }))).toEqual([
      'expired 30s ago (exp 2026-12-01T09:59:30.000Z)',
      'not yet valid: nbf 2026-12-01T10:00:31.000Z is 31s away',
      'not yet valid: iat 2026-12-01T10:00:31.000Z is 31s away',
    ]);
    expect(await messages(await sign({ exp: nowS - 1 }), { ...expect_, clockSkew: 0 })).toEqual([
      'expired 1s ago (exp 2026-12-01T09:59:59.000Z)',
    ]);
  });

  it('reports iss and aud without failing on them when nothing is expected', async () => {
    const report = await inspectToken(
      await sign({ iss: 'https://elsewhere.example', aud: ['a', 'b'] }),
      { ...expect_, issuer: undefined, audience: undefined },
      sources,
      now,
    );
    expect(report.valid).toBe(true);
    expect(report.notes).toEqual([
      'iss "https://elsewhere.example" not compared: no expected issuer given',
      'aud ["a","b"] not compared: no expected audience given',
    ]);
  });

  it('accepts an aud array that contains the expected audience, and application/at+jwt', async () => {
    expect(await messages(await sign({ aud: ['billing', 'api'] }, { typ: 'application/AT+JWT' }))).toEqual([]);
  });

  it('never fetches the JWKS for an alg it does not allow', async () => {
    fetched.length = 0;
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: 'api', sub: 'u', client_id: 'c', jti: 'j', iat: nowS, exp: nowS + 60 })).toString('base64url')}.`;
    expect(await messages(none)).toEqual(['alg not allowed: "none" (allowed: ES256, EdDSA, RS256, PS256)']);
    expect(fetched).toEqual([]);
  });

  it('refuses a key whose alg differs from the header', async () => {
    const token = await sign();
    const other = { keys: [{ ...jwks.keys[0], alg: 'PS256' }] };
    const report = await inspectToken(token, expect_, { ...sources, fetchJwks: () => Promise.resolve(other) }, now);
    expect(report.defects.map((d) => d.message)).toEqual(['alg not allowed: "ES256" for key k1, which is PS256']);
  });

  it.each([
    ['a single part', 'abc', '1 part separated by ".", a JWS has 3'],
    ['a JWE', 'a.b.c.d.e', '5 parts separated by ".", a JWS has 3'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.c2ln', 'the header is not base64url-encoded JSON'],
  ])('calls %s malformed', async (_what, token, detail) => {
    expect(await messages(token)).toEqual([`malformed token: ${detail}`]);
  });

  it('looks the token up in its status list only when it is otherwise valid', async () => {
    const status = (idx: number) => ({ status: { status_list: { idx, uri: `${ISSUER}/statuslists/1` } } });
    const revoked = await inspectToken(await sign(status(5)), expect_, sources, now);
    expect(revoked.defects.map((d) => d.message)).toEqual([`revoked in its status list (index 5 of ${ISSUER}/statuslists/1)`]);
    expect(revoked.status).toMatchObject({ state: 'revoked', idx: 5 });

    expect((await inspectToken(await sign(status(6)), expect_, sources, now)).status).toMatchObject({ state: 'valid', idx: 6 });

    fetched.length = 0;
    const expired = await inspectToken(await sign({ ...status(5), exp: nowS - 600 }), expect_, sources, now);
    expect(expired.status).toEqual({ state: 'skipped' });
    expect(fetched).toEqual([JWKS_URL]);
  });

  it('rejects a token whose status claim is malformed (no statement can be made)', async () => {
    const report = await inspectToken(
      await sign({ status: { status_list: { idx: -1, uri: `${ISSUER}/statuslists/1` } } }),
      expect_,
      sources,
      now,
    );
    expect(report.defects.map((d) => d.message)).toEqual(['status unknown: status_list.idx -1 is not a non-negative integer']);
  });
});
