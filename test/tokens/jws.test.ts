import { KeyObject } from 'node:crypto';
import { type CryptoKey, SignJWT, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { SIGNING_ALGS } from '../../src/config.js';
import { signJwt } from '../../src/tokens/jws.js';

// src/tokens/jws.ts signs with node:crypto instead of jose: the same bytes as jose's SignJWT for
// the same header and claims, and a signature jose verifies, for every algorithm Latchkey signs with.

describe.each(SIGNING_ALGS)('signJwt (%s)', (alg) => {
  it('writes what jose writes, and jose verifies it', async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const claims = {
      client_id: 'latchkey',
      sid: 'a-session',
      scope: 'read write',
      roles: ['admin', 'ünïcode'],
      status: { status_list: { idx: 7, uri: 'https://auth.example.com/statuslists/1' } },
    };
    const header = { alg, kid: 'the-kid', typ: 'at+jwt' };
    const ours = await signJwt(
      header,
      { ...claims, iss: 'https://auth.example.com', sub: 'u1', aud: 'api', iat: 1_800_000_000, exp: 1_800_000_600, jti: 'j1' },
      KeyObject.from(privateKey as CryptoKey),
    );
    const theirs = await new SignJWT(claims)
      .setProtectedHeader(header)
      .setIssuer('https://auth.example.com')
      .setSubject('u1')
      .setAudience('api')
      .setIssuedAt(1_800_000_000)
      .setExpirationTime(1_800_000_600)
      .setJti('j1')
      .sign(privateKey);
    // Header and payload byte for byte; ECDSA and PSS signatures are randomised, so the signature is verified.
    expect(ours.split('.').slice(0, 2)).toEqual(theirs.split('.').slice(0, 2));
    const { payload, protectedHeader } = await jwtVerify(ours, publicKey, {
      algorithms: [alg],
      currentDate: new Date(1_800_000_100_000),
    });
    expect(protectedHeader).toEqual(header);
    expect(payload.roles).toEqual(['admin', 'ünïcode']);
  });
});
