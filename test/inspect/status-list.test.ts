import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import { type JSONWebKeySet, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkStatus, decodeStatusList, statusAt } from '../../src/inspect/status-list.js';
import { encodeStatusList } from '../../src/tokens/status-list.js';
import { statusListJwt } from '../support/status-list.js';

// The inspector's status list decoder against draft-ietf-oauth-status-list-21: the draft's own
// test vectors for the bit order, the server's encoder, and made-to-order Status List Tokens for
// the whole check (signature, typ, sub, exp, index, revoked bit).

const nodeInflate = async (bytes: Uint8Array, max: number) =>
  new Uint8Array(await promisify(inflate)(bytes, { maxOutputLength: max }));

describe('the status list decoder', () => {
  it("reads the draft's §4.1 example (bits 1, 16 entries, 0xB9 0xA3) least significant bit first", async () => {
    // 78dadbb918000217015d: the draft's compressed array for status[0..15] = 1,0,0,1,1,1,0,1,1,1,0,0,0,1,0,1
    const lst = Buffer.from('78dadbb918000217015d', 'hex').toString('base64url');
    const { bits, list } = await decodeStatusList({ bits: 1, lst }, nodeInflate);
    expect([...list]).toEqual([0xb9, 0xa3]);
    const statuses = Array.from({ length: 16 }, (_, i) => statusAt(list, bits, i));
    expect(statuses).toEqual([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
    expect(statusAt(list, bits, 16)).toBeUndefined();
  });

  it("reads the draft's 2-bit example (0xC9 0x44 0xF9)", async () => {
    const lst = Buffer.from('78da3be9f2130003df0207', 'hex').toString('base64url');
    const { bits, list } = await decodeStatusList({ bits: 2, lst }, nodeInflate);
    const statuses = Array.from({ length: 12 }, (_, i) => statusAt(list, bits, i));
    expect(statuses).toEqual([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]);
  });

  it("finds exactly the revoked indexes of a list from the server's encoder", async () => {
    const revoked = [0, 7, 8, 13, 1000, 1023];
    const { list } = await decodeStatusList({ bits: 1, lst: encodeStatusList(revoked, 1024) }, nodeInflate);
    const set = Array.from({ length: 1024 }, (_, i) => i).filter((i) => statusAt(list, 1, i) === 1);
    expect(set).toEqual(revoked);
  });

  it.each([
    [{ bits: 3, lst: 'eNoDAAAAAAE' }, /bits 3 is not 1, 2, 4 or 8/],
    [{ bits: 1 }, /no lst string/],
    [{ bits: 1, lst: 'bm90IHpsaWI' }, /does not inflate/],
  ])('refuses a malformed list %j', async (statusList, reason) => {
    await expect(decodeStatusList(statusList, nodeInflate)).rejects.toThrow(reason);
  });

  it('refuses a list that inflates beyond the limit (a zlib bomb)', async () => {
    const { deflateSync } = await import('node:zlib');
    const lst = deflateSync(new Uint8Array(1 << 20)).toString('base64url');
    await expect(decodeStatusList({ bits: 1, lst }, (bytes) => nodeInflate(bytes, 1024))).rejects.toThrow(/does not inflate/);
  });
});

describe('checkStatus', () => {
  const uri = 'https://auth.example.com/statuslists/1';
  const now = new Date('2026-12-01T10:00:00Z');
  const iat = Math.floor(now.getTime() / 1000) - 5;
  let key: CryptoKey;
  let jwks: JSONWebKeySet;
  const options = () => ({
    algorithms: ['ES256'],
    clockSkew: 30,
    now,
    jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
  });
  const sources = (jwt: string) => ({ fetchStatusList: () => Promise.resolve(jwt), inflate: nodeInflate });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  });
  const list = (extra: Partial<Parameters<typeof statusListJwt>[0]> = {}) =>
    statusListJwt({ uri, revoked: [3], key, kid: 'k1', alg: 'ES256', iat, ...extra });

  it('says revoked when the bit is set, valid when it is not', async () => {
    const jwt = await list();
    expect(await checkStatus({ idx: 3, uri }, jwks, sources(jwt), options())).toMatchObject({
      state: 'revoked',
      defect: { code: 'revoked', message: `revoked in its status list (index 3 of ${uri})` },
    });
    expect(await checkStatus({ idx: 4, uri }, jwks, sources(jwt), options())).toEqual({ state: 'valid', idx: 4, uri });
  });

  it.each([
    [
      'another sub',
      { sub: 'https://auth.example.com/statuslists/2' },
      /has sub "https:\/\/auth\.example\.com\/statuslists\/2", not its own URI/,
    ],
    ['the wrong typ', { typ: 'JWT' }, /has typ "JWT", not "statuslist\+jwt"/],
    ['an unknown key', { kid: 'k2' }, /is signed by a key that is not in https:\/\/auth\.example\.com\/\.well-known\/jwks\.json/],
    ['an expired list', { iat: iat - 3600 }, /expired \d+m \d+s ago/],
  ])('cannot say anything about a list with %s (the token should be rejected)', async (_what, extra, reason) => {
    const outcome = await checkStatus({ idx: 3, uri }, jwks, sources(await list(extra)), options());
    expect(outcome.state).toBe('unknown');
    expect('defect' in outcome && outcome.defect.message).toMatch(
      /^status unknown: the status list https:\/\/auth\.example\.com\/statuslists\/1 /,
    );
    expect('defect' in outcome && outcome.defect.message).toMatch(reason);
  });

  it('cannot say anything about an index beyond the list', async () => {
    const outcome = await checkStatus({ idx: 4096, uri }, jwks, sources(await list({ size: 16 })), options());
    expect(outcome).toMatchObject({
      state: 'unknown',
      defect: { message: `status unknown: index 4096 is beyond the 16 entries of ${uri}` },
    });
  });

  it('cannot say anything when the list cannot be fetched', async () => {
    const failing = { fetchStatusList: async () => Promise.reject(new Error('answered 404')), inflate: nodeInflate };
    const outcome = await checkStatus({ idx: 3, uri }, jwks, failing, options());
    expect(outcome).toMatchObject({ state: 'unknown', defect: { message: `status unknown: cannot fetch ${uri}: answered 404` } });
  });
});
