import { InvalidTokenError, IssuerUnavailableError, type VerifierOptions, createVerifier } from '@latchkey/verify';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeIssuer } from '../support/fake-issuer.js';

// @latchkey/verify against a fake issuer whose keys, status bits and availability the test
// controls, on a fake clock: no sleeping.

let issuer: FakeIssuer;

beforeEach(async () => {
  issuer = await FakeIssuer.start();
});
afterEach(async () => {
  await issuer?.close();
});

const verifierFor = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: issuer.url, audience: 'api', clock: issuer.clock, ...options });

const revoked = { code: 'invalid_token', description: 'the access token has been revoked' };

describe('a valid token', () => {
  it('verifies and returns its claims', async () => {
    const { token, idx } = await issuer.issue({ claims: { scope: 'orders:read orders:write', roles: ['clerk'] } });
    const claims = await verifierFor().verify(token);
    expect(claims).toMatchObject({
      iss: issuer.url,
      aud: 'api',
      client_id: 'latchkey',
      scope: 'orders:read orders:write',
      roles: ['clerk'],
      status: { status_list: { idx, uri: issuer.statusListUri() } },
    });
    expect(claims.sub).toBe(decodeJwt(token).sub);
  });

  it('is never rejected while its own bit is clear, whatever happens to its neighbours', async () => {
    const verifier = verifierFor();
    const tokens = await Promise.all(Array.from({ length: 24 }, () => issuer.issue()));
    // Revoke every other index: each kept token shares its byte with revoked ones.
    for (const { idx } of tokens.filter((_, i) => i % 2 === 1)) issuer.setBit(idx);
    for (let round = 0; round < 5; round += 1) {
      for (const [i, { token }] of tokens.entries()) {
        if (i % 2 === 0) await expect(verifier.verify(token)).resolves.toMatchObject({ iss: issuer.url });
        else await expect(verifier.verify(token)).rejects.toMatchObject(revoked);
      }
      issuer.clock.advance(issuer.statusListTtl + 1);
    }
  });
});

describe('revocation through the status list', () => {
  it('rejects a token within ttl + 1 s of its bit being set, with one status list request per ttl', async () => {
    const verifier = verifierFor();
    const { token, idx } = await issuer.issue();
    await verifier.verify(token);
    expect(issuer.requests.statusList).toBe(1);

    issuer.setBit(idx); // the session is logged out now
    issuer.clock.advance(issuer.statusListTtl - 1);
    await expect(verifier.verify(token)).resolves.toBeDefined(); // still the cached list: no request per call
    expect(issuer.requests.statusList).toBe(1);

    issuer.clock.advance(2); // ttl + 1 s after the flip
    await expect(verifier.verify(token)).rejects.toMatchObject(revoked);
    expect(issuer.requests.statusList).toBe(2);
  });

  it('revalidates an unchanged list and JWKS with their ETags (304) and keeps verifying', async () => {
    const verifier = verifierFor();
    const { token } = await issuer.issue();
    await verifier.verify(token);
    issuer.clock.advance(issuer.statusListTtl + 1);
    await verifier.verify(token);
    expect(issuer.requests).toMatchObject({ statusList: 2, jwks: 1, notModified: 1 });
    issuer.clock.advance(issuer.jwksMaxAge);
    await verifier.verify(token);
    expect(issuer.requests).toMatchObject({ statusList: 3, jwks: 2, notModified: 3 });
  });

  it('asks again when a set bit comes from a list signed before the token (a reused index)', async () => {
    const verifier = verifierFor();
    const first = await issuer.issue({ idx: 7 });
    issuer.setBit(7);
    await expect(verifier.verify(first.token)).rejects.toMatchObject(revoked);

    issuer.clock.advance(5);
    issuer.setBit(7, false); // index 7 handed to a new token
    const second = await issuer.issue({ idx: 7 });
    await expect(verifier.verify(second.token)).resolves.toBeDefined();
    expect(issuer.requests.statusList).toBe(2);
  });

  it('coalesces concurrent first verifications into one JWKS and one status list request', async () => {
    const verifier = verifierFor();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.issue()));
    await Promise.all(tokens.map(({ token }) => verifier.verify(token)));
    expect(issuer.requests).toMatchObject({ jwks: 1, statusList: 1 });
  });

  it('rejects an index outside the list, a malformed status claim and a list on another origin', async () => {
    const verifier = verifierFor();
    const outside = await issuer.issue({ idx: 8 * 1024 });
    await expect(verifier.verify(outside.token)).rejects.toMatchObject({
      description: 'the token status list has no such index',
    });
    const malformed = await issuer.issue({ status: { status_list: { idx: -1, uri: issuer.statusListUri() } } });
    await expect(verifier.verify(malformed.token)).rejects.toMatchObject({ description: 'the status claim is not valid' });
    const unknown = await issuer.issue({ status: { status_list: { idx: 1, uri: `${issuer.url}/statuslists/unknown` } } });
    await expect(verifier.verify(unknown.token)).rejects.toMatchObject({
      description: 'the token status list could not be verified',
    });
    const elsewhere = await issuer.issue({ status: { status_list: { idx: 1, uri: 'http://169.254.169.254/statuslists/1' } } });
    await expect(verifier.verify(elsewhere.token)).rejects.toMatchObject({
      description: 'the token status list is not on the issuer',
    });
  });

  it('accepts a token without a status claim unless requireStatus is set', async () => {
    const { token } = await issuer.issue({ claims: { status: undefined } });
    await expect(verifierFor().verify(token)).resolves.toBeDefined();
    await expect(verifierFor({ requireStatus: true }).verify(token)).rejects.toMatchObject({
      description: 'the token carries no status claim',
    });
  });
});

describe('a bad status list fails closed', () => {
  it('accepts a list signed without a kid by one of the JWKS keys (draft §11.3)', async () => {
    issuer.tamper = { noKid: true };
    await issuer.addKey(); // two keys in the JWKS: the older one is tried and fails first
    const { token, idx } = await issuer.issue({ list: '3' });
    await expect(verifierFor().verify(token)).resolves.toBeDefined();
    issuer.setBit(idx, true, '3');
    await expect(verifierFor().verify(token)).rejects.toMatchObject(revoked);
  });

  it.each([
    ['a wrong typ', { typ: 'JWT' }],
    ['a signature by a key outside the JWKS', { wrongKey: true }],
    ['a payload altered after signing', { alteredPayload: true }],
    ['another sub than the token names', { sub: 'http://elsewhere/statuslists/1' }],
    ['another media type', { contentType: 'application/json' }],
  ])('rejects the token when the only list has %s', async (_, tamper) => {
    issuer.tamper = tamper;
    const { token } = await issuer.issue();
    const error = await verifierFor()
      .verify(token)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ code: 'invalid_token', description: 'the token status list could not be verified' });
  });

  it('never lets a forged list clear a revoked bit: the last verified list keeps deciding', async () => {
    const verifier = verifierFor();
    const kept = await issuer.issue();
    const gone = await issuer.issue();
    issuer.setBit(gone.idx);
    await verifier.verify(kept.token);

    issuer.tamper = { alteredPayload: true }; // a list with every bit clear, signature broken
    issuer.clock.advance(issuer.statusListTtl + 1);
    await expect(verifier.verify(gone.token)).rejects.toMatchObject(revoked);
    await expect(verifier.verify(kept.token)).resolves.toBeDefined();
  });
});

describe('signing keys', () => {
  it('rejects the tokens of a key removed from the JWKS once its max-age has passed, not before', async () => {
    const verifier = verifierFor();
    const oldKid = issuer.activeKid;
    await issuer.addKey();
    const { token } = await issuer.issue({ kid: oldKid });
    await verifier.verify(token); // JWKS fetched now, max-age 300

    issuer.removeKey(oldKid); // latchkey keys revoke
    issuer.clock.advance(issuer.jwksMaxAge - 1);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    issuer.clock.advance(2);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'invalid_token',
      description: 'the token is signed by a key that is not in the issuer JWKS',
    });
    expect(issuer.requests.jwks).toBe(2);
  });

  it('refetches the JWKS for an unknown kid at most every 30 s', async () => {
    const verifier = verifierFor();
    await verifier.verify((await issuer.issue()).token);
    expect(issuer.requests.jwks).toBe(1);

    issuer.clock.advance(1);
    const newKid = await issuer.addKey(); // published after our fetch
    const { token } = await issuer.issue({ kid: newKid });
    for (let i = 0; i < 10; i += 1) await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(issuer.requests.jwks).toBe(1); // within the cooldown: no refetch

    issuer.clock.advance(29);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    expect(issuer.requests.jwks).toBe(2);
  });

  it('pins the algorithms and the typ (RFC 8725 §3.1, RFC 9068 §4)', async () => {
    const verifier = verifierFor();
    const good = await issuer.issue();
    await verifier.verify(good.token);
    const idToken = await issuer.issue({ typ: 'JWT' });
    await expect(verifier.verify(idToken.token)).rejects.toMatchObject({ description: 'the typ claim is not valid' });

    const { kid } = decodeProtectedHeader(good.token);
    const claims = decodeJwt(good.token);
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await expect(verifier.verify(hmac)).rejects.toMatchObject({ description: 'the token alg is not allowed' });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid, typ: 'at+jwt' })).toString('base64url')}.${good.token.split('.')[1]}.`;
    await expect(verifier.verify(unsigned)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('checks iss, aud and exp', async () => {
    const verifier = verifierFor();
    const otherAudience = await issuer.issue({ claims: { aud: 'billing' } });
    await expect(verifier.verify(otherAudience.token)).rejects.toMatchObject({ description: 'the aud claim is not valid' });
    const otherIssuer = await issuer.issue({ claims: { iss: 'http://evil.example' } });
    await expect(verifier.verify(otherIssuer.token)).rejects.toMatchObject({ description: 'the iss claim is not valid' });
    const { token } = await issuer.issue();
    issuer.clock.advance(issuer.accessTokenTtl + 5);
    await expect(verifier.verify(token)).rejects.toMatchObject({ description: 'the access token has expired' });
  });
});

describe('an issuer outage', () => {
  it('keeps verifying from the caches, but never past the token exp', async () => {
    const verifier = verifierFor();
    const { token } = await issuer.issue();
    await verifier.verify(token);

    issuer.down = true;
    // Past the status list ttl and the JWKS max-age: both stale, the issuer unreachable.
    for (const step of [issuer.statusListTtl + 1, issuer.jwksMaxAge, issuer.accessTokenTtl - issuer.jwksMaxAge - 60]) {
      issuer.clock.advance(step);
      await expect(verifier.verify(token)).resolves.toBeDefined();
    }
    issuer.clock.advance(60);
    await expect(verifier.verify(token)).rejects.toMatchObject({ description: 'the access token has expired' });
  });

  it('stops using a stale list after staleIfError, and never past the list exp', async () => {
    const shortStale = verifierFor({ staleIfError: 60 });
    const { token } = await issuer.issue();
    await shortStale.verify(token);
    issuer.down = true;
    issuer.clock.advance(issuer.statusListTtl + 59);
    await expect(shortStale.verify(token)).resolves.toBeDefined();
    issuer.clock.advance(2);
    await expect(shortStale.verify(token)).rejects.toBeInstanceOf(IssuerUnavailableError);

    issuer.down = false;
    issuer.statusListLifetime = 40; // the list itself expires 40 s after it was signed
    const verifier = verifierFor();
    const fresh = await issuer.issue();
    await verifier.verify(fresh.token);
    issuer.down = true;
    issuer.clock.advance(39);
    await expect(verifier.verify(fresh.token)).resolves.toBeDefined();
    issuer.clock.advance(2 + 5); // past exp and the clock tolerance
    await expect(verifier.verify(fresh.token)).rejects.toMatchObject({ code: 'temporarily_unavailable', status: 503 });
  });

  it('answers temporarily_unavailable with nothing cached, then recovers', async () => {
    const verifier = verifierFor();
    const { token } = await issuer.issue();
    issuer.down = true;
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'temporarily_unavailable', status: 503, retryAfter: 5 });
    issuer.down = false;
    issuer.clock.advance(5);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });
});
