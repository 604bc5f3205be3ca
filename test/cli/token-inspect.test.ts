import { type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusListJwt } from '../support/status-list.js';
import { cli, expectOneLineError, lastLine } from './run-cli.js';
import { type Listening, freePort, serve } from '../support/listen.js';
import { closeAll } from '../support/teardown.js';

// `latchkey token inspect` against servers we control, so each token is wrong in exactly one
// way (RFC 9068 §4, RFC 8725 §3.1) and the CLI must name that way, in the inspection core's
// words (the /inspect page prints the same: test/inspector/). And the issuer rule: the expected
// iss is what the user set, or what the JWKS's own server publishes, never a silent default.

/** A JWKS at /.well-known/jwks.json and /keys, status lists, and (`withMetadata`) RFC 8414 metadata. */
async function fakeServer(jwks: string, routes: (origin: string) => Record<string, [string, string]>): Promise<Listening> {
  let origin = '';
  const server = await serve((req, res) => {
    const found =
      req.url === '/keys' || req.url === '/.well-known/jwks.json' ? ['application/json', jwks] : routes(origin)[req.url ?? ''];
    if (!found) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    res.writeHead(200, { 'content-type': found[0] }).end(found[1]);
  });
  origin = server.origin;
  return server;
}

describe('token inspect', () => {
  let withMetadata: Listening;
  let bare: Listening;
  let issuer: string;
  let privateKey: CryptoKey;
  let statusList: string;
  const kid = 'test-key-1';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' }] });
    withMetadata = await fakeServer(jwks, (origin) => ({
      '/.well-known/oauth-authorization-server': [
        'application/json',
        JSON.stringify({ issuer: origin, jwks_uri: `${origin}/.well-known/jwks.json`, latchkey_access_token_audience: 'api' }),
      ],
      '/statuslists/1': ['application/statuslist+jwt', statusList],
    }));
    issuer = withMetadata.origin;
    statusList = await statusListJwt({
      uri: `${issuer}/statuslists/1`,
      revoked: [3],
      key: privateKey,
      kid,
      alg: 'ES256',
      iat: nowS(),
    });
    bare = await fakeServer(jwks, () => ({}));
  });
  afterAll(() => closeAll(withMetadata, bare));

  const nowS = () => Math.floor(Date.now() / 1000);
  function sign(claims: JWTPayload = {}, header: Record<string, unknown> = {}, iss = issuer) {
    const iat = nowS();
    return new SignJWT({ client_id: 'latchkey', sid: 's', jti: 'j', iss, aud: 'api', sub: 'u', iat, exp: iat + 600, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
      .sign(privateKey);
  }
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const goodClaims = () => ({
    iss: issuer,
    aud: 'api',
    sub: 'u',
    client_id: 'latchkey',
    jti: 'j',
    iat: nowS(),
    exp: nowS() + 600,
  });
  /** Default JWKS = $ISSUER/.well-known/jwks.json; iss and aud expected from $ISSUER and $ACCESS_TOKEN_AUDIENCE. */
  const inspect = (token: string, ...args: string[]) =>
    cli(['token', 'inspect', token, ...args], { ISSUER: issuer, ACCESS_TOKEN_AUDIENCE: 'api' });
  const defects = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('invalid: '));
  const line = (stdout: string, prefix: string) => stdout.split('\n').find((l) => l.startsWith(prefix));

  it('valid, with the expectations taken from ISSUER and ACCESS_TOKEN_AUDIENCE, and its times as dates', async () => {
    const run = await inspect(await sign());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lastLine(run.stdout)).toBe('valid');
    expect(line(run.stdout, 'expected iss:')).toBe(`expected iss: "${issuer}" (from ISSUER)`);
    expect(line(run.stdout, 'expected aud:')).toBe('expected aud: "api" (from ACCESS_TOKEN_AUDIENCE)');
    expect(line(run.stdout, 'exp:')).toMatch(/^exp: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z \(expires in (9m \d+s|10m)\)$/);
    expect(line(run.stdout, 'iat:')).toMatch(/^iat: \S+Z \(\d+s ago\)$/);
  });

  it.each([
    [
      'expired',
      async () => sign({ iat: nowS() - 900, exp: nowS() - 300 }),
      /^invalid: expired 5m( \d+s)? ago \(exp \d{4}-\S+Z\)$/,
    ],
    ['not yet valid', async () => sign({ nbf: nowS() + 3600 }), /^invalid: not yet valid: nbf \S+Z is (59m \d+s|1h) away$/],
    ['wrong typ', async () => sign({}, { typ: 'JWT' }), /^invalid: wrong typ: "JWT" \(expected "at\+jwt"\)$/],
    [
      'wrong iss',
      async () => sign({ iss: 'https://evil.example' }),
      /^invalid: wrong iss: "https:\/\/evil\.example" \(expected "http:\/\/127\.0\.0\.1:\d+"\)$/,
    ],
    ['wrong aud', async () => sign({ aud: 'billing' }), /^invalid: wrong aud: "billing" \(expected "api"\)$/],
    ['missing claim', async () => sign({ jti: undefined }), /^invalid: missing claim: jti$/],
    [
      'unknown kid',
      async () => sign({}, { kid: 'someone-else' }),
      /^invalid: unknown or revoked kid someone-else: not in http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/,
    ],
    [
      'bad signature',
      async () => {
        const [h, , s] = (await sign()).split('.');
        return `${h}.${b64({ ...goodClaims(), sub: 'admin' })}.${s}`;
      },
      /^invalid: bad signature: key test-key-1 did not sign this token$/,
    ],
    [
      'alg not allowed (HS256)',
      () => `${b64({ alg: 'HS256', kid, typ: 'at+jwt' })}.${b64(goodClaims())}.c2ln`,
      /^invalid: alg not allowed: "HS256" \(allowed: ES256, EdDSA, RS256, PS256\)$/,
    ],
    [
      'alg not allowed (none)',
      () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(goodClaims())}.`,
      /^invalid: alg not allowed: "none" \(allowed: ES256, EdDSA, RS256, PS256\)$/,
    ],
    ['malformed token', () => 'not.a-jwt', /^invalid: malformed token: 2 parts separated by "\.", a JWS has 3$/],
  ])('%s → exit 1, naming exactly that defect', async (_name, make, reason) => {
    const run = await inspect(await make());
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(defects(run.stdout)).toHaveLength(1);
    expect(defects(run.stdout)[0]).toMatch(reason);
  });

  it('allows CLOCK_SKEW seconds (30 by default) on exp; --clock-skew 0 allows none', async () => {
    const token = await sign({ iat: nowS() - 600, exp: nowS() - 10 });
    expect((await inspect(token)).code).toBe(0);
    const strict = await inspect(token, '--clock-skew', '0');
    expect(strict.code).toBe(1);
    expect(defects(strict.stdout)).toEqual([expect.stringMatching(/^invalid: expired 1\ds ago/)]);
  });

  describe('the issuer rule', () => {
    it('with --jwks and no --issuer, expects the iss of that server’s RFC 8414 metadata, not $ISSUER', async () => {
      const env = { ISSUER: 'http://localhost:3000', ACCESS_TOKEN_AUDIENCE: 'other' };
      const metadataUrl = `${issuer}/.well-known/oauth-authorization-server`;
      const good = await cli(['token', 'inspect', await sign(), '--jwks', `${issuer}/.well-known/jwks.json`], env);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(line(good.stdout, 'expected iss:')).toBe(`expected iss: "${issuer}" (from ${metadataUrl})`);
      expect(line(good.stdout, 'expected aud:')).toBe(`expected aud: "api" (from ${metadataUrl})`);

      const bad = await cli(
        ['token', 'inspect', await sign({ iss: 'https://auth.example.com' }), '--jwks', `${issuer}/.well-known/jwks.json`],
        env,
      );
      expect(bad.code).toBe(1);
      expect(defects(bad.stdout)).toEqual([`invalid: wrong iss: "https://auth.example.com" (expected "${issuer}")`]);
    });

    it('reports iss and aud without failing on them when the JWKS server publishes no metadata (the newcomer’s laptop)', async () => {
      const token = await sign({ iss: 'https://auth.example.com', aud: 'billing' });
      const run = await cli(['token', 'inspect', token, '--jwks', `${bare.origin}/keys`]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(lastLine(run.stdout)).toBe('valid');
      expect(line(run.stdout, 'expected iss:')).toMatch(
        /^expected iss: none, not compared: no --issuer, and http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server is no help \(not_found: /,
      );
      expect(run.stdout).toContain('note: iss "https://auth.example.com" not compared: no expected issuer given');
      expect(run.stdout).toContain('note: aud "billing" not compared: no expected audience given');
      expect(run.stdout).not.toContain('localhost:3000');
    });

    it('--issuer and --audience are compared when given', async () => {
      const token = await sign({ iss: 'https://auth.example', aud: 'billing' });
      const run = await cli([
        'token',
        'inspect',
        token,
        '--jwks',
        `${bare.origin}/keys`,
        '--issuer',
        'https://auth.example',
        '--audience',
        'billing',
      ]);
      expect(run.code, run.stdout).toBe(0);
      const wrong = await cli(['token', 'inspect', token, '--jwks', `${bare.origin}/keys`, '--issuer', 'https://other.example']);
      expect(defects(wrong.stdout)).toEqual(['invalid: wrong iss: "https://auth.example" (expected "https://other.example")']);
    });
  });

  describe('the status list', () => {
    const status = (idx: number) => ({ status: { status_list: { idx, uri: `${issuer}/statuslists/1` } } });

    it('status: revoked when its bit is set in the list, and the token is invalid', async () => {
      const run = await inspect(await sign(status(3)));
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(line(run.stdout, 'status:')).toBe(`status: revoked (index 3 of ${issuer}/statuslists/1)`);
      expect(defects(run.stdout)).toEqual([`invalid: revoked in its status list (index 3 of ${issuer}/statuslists/1)`]);
    });

    it('status: valid when its bit is clear', async () => {
      const run = await inspect(await sign(status(4)));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(line(run.stdout, 'status:')).toBe(`status: valid (index 4 of ${issuer}/statuslists/1)`);
    });

    it('status unknown (and invalid) when the list cannot be fetched', async () => {
      const run = await inspect(await sign({ status: { status_list: { idx: 1, uri: `${issuer}/statuslists/9` } } }));
      expect(run.code).toBe(1);
      expect(defects(run.stdout)).toEqual([
        `invalid: status unknown: cannot fetch ${issuer}/statuslists/9: ${issuer}/statuslists/9 answered 404 Not Found`,
      ]);
    });
  });

  it('--json gives every defect with its code', async () => {
    const run = await inspect(await sign({ aud: 'billing', jti: undefined }), '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { valid: boolean; defects: { code: string; message: string }[] };
    expect(report.valid).toBe(false);
    expect(report.defects.map((d) => d.code)).toEqual(['missing_claim', 'wrong_aud']);
  });

  it('an unreachable JWKS is a one-line error naming --jwks (an option that exists), exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}/jwks`;
    const run = await cli(['token', 'inspect', await sign(), '--jwks', url, '--issuer', issuer, '--audience', 'api']);
    expectOneLineError(run, 1, /^latchkey: cannot reach .*ECONNREFUSED \(is the server running\? see --jwks\)\n?$/);
  });

  it('a bad --clock-skew is a usage error', async () => {
    expectOneLineError(
      await cli(['token', 'inspect', 'x.y.z', '--clock-skew', 'soon']),
      2,
      /--clock-skew.*whole number of seconds/,
    );
  });
});
