import type { Response } from 'supertest';
import { expect } from 'vitest';

// For the tests that an attacker must not tell two answers apart (OWASP Authentication Cheat
// Sheet, "Authentication and Error Messages"): by what the answer says, and by how long it takes.

/** The two answers are the same to a client: status, body and the headers that could differ. */
export function expectSameAnswer(actual: Response, expected: Response): void {
  expect(actual.status).toBe(expected.status);
  expect(actual.text).toBe(expected.text);
  expect(actual.headers['content-type']).toBe(expected.headers['content-type']);
  expect(actual.headers['www-authenticate']).toBe(expected.headers['www-authenticate']);
  expect(actual.headers['set-cookie']).toBe(expected.headers['set-cookie']);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/**
 * Times `rounds` calls of each of two requests, interleaved (first, second, first, …) so that
 * drift in machine load hits both alike; returns each one's median in ms. Each call makes its
 * own assertions.
 */
export async function interleavedMedians(
  rounds: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[number, number]> {
  const timings: [number[], number[]] = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const [side, call] of [first, second].entries()) {
      const started = performance.now();
      await call();
      timings[side]!.push(performance.now() - started);
    }
  }
  return [median(timings[0]), median(timings[1])];
}
