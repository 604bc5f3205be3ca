import * as argon2 from 'argon2';
import type { Config } from '../config.js';
import { passwordLengthProblem } from './policy.js';

// argon2id at no less than OWASP's parameters (config refuses lower ones). node-argon2
// hashes on libuv's thread pool, never on the event loop.

/** Argon2 version 1.3 (0x13), the one argon2 hashes with. */
const ARGON2_VERSION = 0x13;

export class PasswordHasher {
  readonly #options: { type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number; raw: false };
  #dummyHash: Promise<string> | undefined;

  constructor(params: Config['argon2']) {
    this.#options = { type: argon2.argon2id, ...params, raw: false };
  }

  hash(normalisedPassword: string): Promise<string> {
    return argon2.hash(normalisedPassword, this.#options);
  }

  async verify(hash: string, normalisedPassword: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, normalisedPassword);
    } catch {
      return false; // a corrupt stored hash fails closed
    }
  }

  /**
   * True when the stored hash used weaker parameters than configured now. Contract: hashes
   * are upgraded when the parameters rise, never downgraded (argon2.needsRehash answers true
   * for any difference, so an instance still on older settings in a rolling deploy would
   * undo the upgrade). A hash we cannot parse is left for verify() to refuse.
   */
  needsRehash(hash: string): boolean {
    const stored = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/.exec(hash);
    if (!stored) return false;
    const params = new Map(stored[3]!.split(',').map((kv) => [kv[0], Number(kv.slice(2))]));
    const weaker = (name: string, wanted: number) => (params.get(name) ?? 0) < wanted;
    return (
      stored[1] !== 'argon2id' ||
      Number(stored[2]) < ARGON2_VERSION ||
      weaker('m', this.#options.memoryCost) ||
      weaker('t', this.#options.timeCost)
    );
  }

  /**
   * Checks a presented password against a user's stored hash (undefined: no such user) in the
   * same time either way. An over-long password cannot match any stored hash: it too is checked
   * against the dummy hash, so its length does not show in the time taken.
   */
  check(storedHash: string | undefined, normalisedPassword: string): Promise<boolean> {
    const plausible = passwordLengthProblem(normalisedPassword) === undefined;
    return storedHash !== undefined && plausible
      ? this.verify(storedHash, normalisedPassword)
      : this.verifyDummy(normalisedPassword);
  }

  /**
   * Burns one verification's worth of time for an unknown email, with a hash of the same
   * parameters, so "no such user" and "wrong password" take the same time.
   */
  async verifyDummy(normalisedPassword: string): Promise<false> {
    this.#dummyHash ??= argon2.hash('latchkey-dummy-password', this.#options);
    await this.verify(await this.#dummyHash, normalisedPassword);
    return false;
  }
}
