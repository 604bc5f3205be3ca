import { decodeStatusList, statusAt } from '@latchkey/verify';
import { describe, expect, it } from 'vitest';

// The encoding vectors of draft-ietf-oauth-status-list-21 §4.2 and Appendix C: bit order is
// least significant bit first within each byte (§11.1 warns that this is easy to get wrong).

const statuses = (lst: string, bits: number, count: number) => {
  const list = decodeStatusList({ bits, lst });
  return Array.from({ length: count }, (_, idx) => statusAt(list, idx));
};

describe('decodeStatusList and statusAt', () => {
  it('reads the §4.2 one-bit example: bytes 0xB9 0xA3', () => {
    expect(statuses('eNrbuRgAAhcBXQ', 1, 16)).toEqual([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
  });

  it('reads the §4.2 two-bit example: bytes 0xC9 0x44 0xF9', () => {
    expect(statuses('eNo76fITAAPfAgc', 2, 12)).toEqual([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]);
  });

  it('reads Appendix C.1 (one bit, 2^20 entries)', () => {
    const lst =
      'eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogEAAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAAA7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAAACAZC8L2AEb';
    const list = decodeStatusList({ bits: 1, lst });
    const revoked = [0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345];
    for (const idx of revoked) expect(statusAt(list, idx)).toBe(1);
    for (const idx of [1, 1992, 1994, 25461, 1000344, 1000346, 1048575]) expect(statusAt(list, idx)).toBe(0);
    expect(statusAt(list, 1048576)).toBeUndefined(); // past the end: no statement
  });

  it('reads Appendix C.2 (two bits)', () => {
    const lst =
      'eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGVIAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAAAAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9SwIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAAAAAAAEBqH81gAQw';
    const list = decodeStatusList({ bits: 2, lst });
    const expected: Record<number, number> = {
      0: 1,
      1993: 2,
      25460: 1,
      159495: 3,
      495669: 1,
      554353: 1,
      645645: 2,
      723232: 1,
      854545: 1,
      934534: 2,
      1000345: 3,
    };
    for (const [idx, value] of Object.entries(expected)) expect(statusAt(list, Number(idx))).toBe(value);
    expect(statusAt(list, 1994)).toBe(0);
  });

  it('refuses what is not a status list', () => {
    expect(() => decodeStatusList({ bits: 3, lst: 'eNrbuRgAAhcBXQ' })).toThrow(/bits/);
    expect(() => decodeStatusList({ bits: 1, lst: 'not base64url!' })).toThrow(/base64url/);
    expect(() => decodeStatusList({ bits: 1, lst: Buffer.from('plain').toString('base64url') })).toThrow(/ZLIB/);
    expect(() => decodeStatusList(null)).toThrow(/object/);
  });
});
