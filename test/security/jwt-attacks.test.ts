import { createHmac } from 'node:crypto';
import { type JWTPayload, SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedIn, registerAndLogin } from '../support/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

// Every case presents a forged or unacceptable access token to GET /auth/me and must get
// 401 invalid_token with an RFC 6750 §3.1 challenge. References: RFC 8725 (JWT BCP),
// RFC 7515 (JWS), RFC 9068 (JWT access tokens).

let h: Harness;
let user: LoggedIn;
let claims: JWTPayload;
let kid: string;

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];

beforeAll(async () => {
  h = await startHarness();
  user = await registerAndLogin(h);
  claims = decodeJwt(user.accessToken);
  kid = decodeProtectedHeader(user.accessToken).kid as string;
});
afterAll(() => h?.close());

async function expectRejected(token: string) {
  const res = await h.http.get('/auth/me').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
}

/** Signed with our real active key, so only the header or claims under test are wrong. */
function signWithOurKey(payload: JWTPayload, header: Record<string, unknown> = {}) {
  const signing = h.services.keys.signingKey();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt', ...header })
    .sign(signing.key);
}

async function attackerKey() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

function hs256(header: Record<string, unknown>, payload: unknown, secret: Buffer | string) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

it('accepts the genuine token (control)', async () => {
  await h.http.get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
});

describe('algorithm confusion (RFC 8725 §2.1, §3.1)', () => {
  it('rejects alg "none" without a signature', async () => {
    await expectRejected(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.`);
  });

  it('rejects alg "none" carrying a signature', async () => {
    await expectRejected(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.${parts(user.accessToken)[2]}`);
  });

  it('rejects a genuine header and payload with the signature removed', async () => {
    const [header, payload] = parts(user.accessToken);
    await expectRejected(`${header}.${payload}.`);
  });

  it('rejects HS256 signed with our public key in PEM (SPKI) form', async () => {
    const { key } = (await h.services.keys.verificationKey(kid))!;
    const pem = await exportSPKI(key);
    await expectRejected(hs256({ alg: 'HS256', typ: 'at+jwt', kid }, claims, pem));
  });

  it('rejects HS256 signed with our public key as JWK JSON and as raw point bytes', async () => {
    const jwk = await exportJWK((await h.services.keys.verificationKey(kid))!.key);
    await expectRejected(hs256({ alg: 'HS256', typ: 'at+jwt', kid }, claims, JSON.stringify(jwk)));
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    await expectRejected(hs256({ alg: 'HS256', typ: 'at+jwt', kid }, claims, point));
  });

  it('rejects a psychic ECDSA signature (r = s = 0, CVE-2022-21449)', async () => {
    const [header, payload] = parts(user.accessToken);
    await expectRejected(`${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`);
  });
});

describe('attacker-chosen keys (RFC 8725 §3.10, RFC 7515 §4.1.2–4.1.5)', () => {
  it('ignores an embedded "jwk" header carrying the attacker key', async () => {
    const attacker = await attackerKey();
    const header = { alg: 'ES256', typ: 'at+jwt', jwk: attacker.publicJwk };
    await expectRejected(await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey));
    await expectRejected(await new SignJWT(claims).setProtectedHeader({ ...header, kid }).sign(attacker.privateKey));
  });

  it('does not follow a "jku" header pointing elsewhere', async () => {
    const attacker = await attackerKey();
    const header = { alg: 'ES256', typ: 'at+jwt', kid: 'attacker', jku: 'https://attacker.example/jwks.json' };
    await expectRejected(await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey));
  });

  it('does not follow an "x5u" header pointing elsewhere', async () => {
    const attacker = await attackerKey();
    const header = { alg: 'ES256', typ: 'at+jwt', kid, x5u: 'https://attacker.example/cert.pem' };
    await expectRejected(await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey));
  });

  it('treats a path-traversal "kid" as an unknown key', async () => {
    const attacker = await attackerKey();
    const header = { alg: 'ES256', typ: 'at+jwt', kid: '../../etc/passwd' };
    await expectRejected(await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey));
  });

  it("treats an SQL-like \"kid\" (' OR '1'='1) as an unknown key", async () => {
    const attacker = await attackerKey();
    const header = { alg: 'ES256', typ: 'at+jwt', kid: "' OR '1'='1" };
    await expectRejected(await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey));
    expect(await h.services.store.signingKeys.listAll()).not.toHaveLength(0);
  });

  it('rejects an unknown critical header extension (RFC 7515 §4.1.11)', async () => {
    // jose refuses to sign this, so sign the bytes by hand with our real ES256 key.
    const signing = h.services.keys.signingKey();
    expect(signing.alg).toBe('ES256');
    const handSigned = async (header: Record<string, unknown>) => {
      const input = `${b64({ alg: 'ES256', kid: signing.kid, typ: 'at+jwt', ...header })}.${b64(claims)}`;
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signing.key, Buffer.from(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    };
    // Control: the same hand signing without crit is accepted.
    await h.http
      .get('/auth/me')
      .set('Authorization', `Bearer ${await handSigned({})}`)
      .expect(200);
    await expectRejected(await handSigned({ crit: ['x-attack'], 'x-attack': true }));
  });
});

describe('integrity and claims (RFC 9068 §4, RFC 8725 §3.8–3.11)', () => {
  it('rejects a tampered payload (another sub) under the original signature', async () => {
    const other = await registerAndLogin(h);
    const [header, , signature] = parts(user.accessToken);
    await expectRejected(`${header}.${b64({ ...claims, sub: other.userId })}.${signature}`);
  });

  it('rejects typ "JWT" (only at+jwt is an access token)', async () => {
    await expectRejected(await signWithOurKey(claims, { typ: 'JWT' }));
  });

  it('rejects a token without typ', async () => {
    const signing = h.services.keys.signingKey();
    await expectRejected(await new SignJWT(claims).setProtectedHeader({ alg: signing.alg, kid: signing.kid }).sign(signing.key));
  });

  it('rejects another issuer', async () => {
    await expectRejected(await signWithOurKey({ ...claims, iss: 'https://evil.example' }));
  });

  it('rejects another audience', async () => {
    await expectRejected(await signWithOurKey({ ...claims, aud: 'another-api' }));
  });

  it('rejects a token missing a required claim (sid)', async () => {
    const { sid: _sid, ...rest } = claims;
    await expectRejected(await signWithOurKey(rest));
  });
});

describe('time (RFC 7519 §4.1.4–4.1.6)', () => {
  it('rejects an expired token once exp (plus the allowed skew) has passed', async () => {
    const fresh = await registerAndLogin(h);
    const start = h.clock.now();
    try {
      h.clock.advance(h.config.accessTokenTtl + h.config.clockSkew + 1);
      await expectRejected(fresh.accessToken);
    } finally {
      h.clock.set(start);
    }
  });

  it('rejects a token that is not yet valid (nbf in the future)', async () => {
    const now = Math.floor(h.clock.now().getTime() / 1000);
    await expectRejected(await signWithOurKey({ ...claims, nbf: now + 3600 }));
  });

  it('rejects a token issued in the future (iat ahead of our clock)', async () => {
    const start = h.clock.now();
    h.clock.advance(3600);
    const ahead = await registerAndLogin(h);
    h.clock.set(start);
    await expectRejected(ahead.accessToken);
  });
});

describe('key revocation', () => {
  it('rejects a token signed by a key that has since been revoked', async () => {
    const fresh = await registerAndLogin(h);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${fresh.accessToken}`).expect(200);
    await h.services.keyAdmin.revoke(decodeProtectedHeader(fresh.accessToken).kid as string);
    await expectRejected(fresh.accessToken);
    // Signing never stops: a new login gets a token from the replacement key.
    const after = await registerAndLogin(h);
    await h.http.get('/auth/me').set('Authorization', `Bearer ${after.accessToken}`).expect(200);
  });
});
