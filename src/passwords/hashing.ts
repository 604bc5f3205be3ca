import * as argon2 from 'argon2';
import type { Config } from '../config.js';

// argon2id at no less than OWASP's parameters (config refuses lower ones). node-argon2
// hashes on libuv's thread pool, never on the event loop.

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

  /** True when the stored hash used weaker parameters than configured now. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.#options);
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
