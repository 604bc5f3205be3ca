import { createServer, type Server } from 'node:http';
import { type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, closedPort, expectOneLineError, lastLine } from './run-cli.js';

// `latchkey token inspect` against a JWKS we control, so each token is wrong in exactly one
// way (RFC 9068 §4, RFC 8725 §3.1) and the CLI must name that way.

describe('token inspect names what is wrong', () => {
  let jwksServer: Server;
  let issuer: string;
  let privateKey: CryptoKey;
  let kid: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    kid = 'test-key-1';
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' }] });
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => jwksServer.close(resolve)));

  const nowS = () => Math.floor(Date.now() / 1000);
  function sign(claims: JWTPayload = {}, header: Record<string, unknown> = {}) {
    const iat = nowS();
    return new SignJWT({
      client_id: 'latchkey',
      sid: 's',
      jti: 'j',
      iss: issuer,
      aud: 'api',
      sub: 'u',
      iat,
      exp: iat + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
      .sign(privateKey);
  }
  /** Default JWKS = $ISSUER/.well-known/jwks.json (our little server answers any path). */
  const inspect = (token: string, ...args: string[]) => cli(['token', 'inspect', token, ...args], { ISSUER: issuer });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('valid with the defaults taken from ISSUER', async () => {
    const run = await inspect(await sign());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lastLine(run.stdout)).toBe('valid');
  });

  it.each([
    ['expired', async () => sign({ iat: nowS() - 900, exp: nowS() - 300 }), /^invalid: expired 5m( \d+s)? ago \(exp \d{4}-/],
    ['not yet valid', async () => sign({ nbf: nowS() + 3600 }), /^invalid: not yet valid: nbf \S+ is (59m \d+s|1h) away$/],
    ['wrong typ', async () => sign({}, { typ: 'JWT' }), /^invalid: wrong typ: "JWT" \(expected "at\+jwt"\)$/],
    [
      'wrong iss',
      async () => sign({ iss: 'https://evil.example' }),
      /^invalid: wrong iss: "https:\/\/evil\.example" \(expected "http:\/\/127/,
    ],
    ['wrong aud', async () => sign({ aud: 'billing' }), /^invalid: wrong aud: "billing" \(expected "api"\)$/],
    ['missing claim', async () => sign({ jti: undefined }), /^invalid: missing claim: jti$/],
    [
      'unknown kid',
      async () => sign({}, { kid: 'someone-else' }),
      /^invalid: unknown kid someone-else: not in http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/,
    ],
    [
      'bad signature',
      async () => {
        const [h, , s] = (await sign()).split('.');
        return `${h}.${b64({ iss: issuer, aud: 'api', sub: 'admin', exp: nowS() + 600 })}.${s}`;
      },
      /^invalid: bad signature: key test-key-1 did not sign this token$/,
    ],
    [
      'alg not allowed (HS256)',
      async () => `${b64({ alg: 'HS256', kid, typ: 'at+jwt' })}.${b64({ sub: 'u' })}.c2ln`,
      /^invalid: alg not allowed: "HS256"/,
    ],
    [
      'alg not allowed (none)',
      async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ sub: 'u' })}.`,
      /^invalid: alg not allowed: "none"/,
    ],
    ['malformed token', async () => 'not.a-jwt', /^invalid: malformed token: /],
  ])('%s → exit 1 with the precise reason', async (_name, make, reason) => {
    const run = await inspect(await make());
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(lastLine(run.stdout)).toMatch(reason);
  });

  it('--issuer and --audience override the expected values', async () => {
    const token = await sign({ iss: 'https://auth.example', aud: 'billing' });
    const run = await cli([
      'token',
      'inspect',
      token,
      '--jwks',
      `${issuer}/keys`,
      '--issuer',
      'https://auth.example',
      '--audience',
      'billing',
    ]);
    expect(run.code, run.stdout).toBe(0);
  });

  it('an unreachable JWKS is a one-line error, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/jwks`;
    expectOneLineError(await cli(['token', 'inspect', await sign(), '--jwks', url]), 1, /^latchkey: cannot reach .*ECONNREFUSED/);
  });
});
