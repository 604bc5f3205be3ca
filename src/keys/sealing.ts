import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Encryption at rest with AES-256-GCM under KEY_ENCRYPTION_KEY. Each purpose gets its own
// subkey (HKDF-SHA256, RFC 5869), and the record's identity (a signing key's kid; for a
// grace-window successor, the presented token's hash) is bound as additional data so a sealed
// value cannot be moved to another row.

export type SealPurpose = 'signing-key' | 'refresh-successor';

const VERSION = 'v1';

export class Sealer {
  readonly #keys: Map<SealPurpose, Buffer>;

  constructor(keyEncryptionKey: Buffer) {
    if (keyEncryptionKey.length !== 32) throw new Error('KEY_ENCRYPTION_KEY must be 32 bytes');
    const derive = (purpose: SealPurpose) =>
      Buffer.from(hkdfSync('sha256', keyEncryptionKey, Buffer.alloc(0), `latchkey ${purpose}`, 32));
    this.#keys = new Map([
      ['signing-key', derive('signing-key')],
      ['refresh-successor', derive('refresh-successor')],
    ]);
  }

  seal(purpose: SealPurpose, plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key(purpose), iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Throws when the value was sealed under another key, for another record, or tampered with. */
  open(purpose: SealPurpose, sealed: string, boundTo: string): string {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || !iv || !body) throw new Error('unrecognised sealed value');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key(purpose), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }

  #key(purpose: SealPurpose): Buffer {
    const key = this.#keys.get(purpose);
    if (!key) throw new Error(`no key for ${purpose}`);
    return key;
  }
}
