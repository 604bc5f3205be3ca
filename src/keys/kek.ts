import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * The key-encryption key: KEY_ENCRYPTION_KEY when set (config refuses production without it);
 * in development, generated once into `<KEYS_DIR>/kek.b64` (mode 0600, git-ignored).
 */
export async function resolveKeyEncryptionKey(config: Config): Promise<{ key: Buffer; source: 'env' | 'file' | 'generated' }> {
  if (config.keyEncryptionKey) return { key: config.keyEncryptionKey, source: 'env' };
  if (config.production) throw new Error('KEY_ENCRYPTION_KEY: required when NODE_ENV=production');
  const file = path.resolve(config.keysDir, 'kek.b64');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const key = Buffer.from(existing.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file}: not a 32-byte base64 key`);
    return { key, source: 'file' };
  }
  const key = randomBytes(32);
  await mkdir(path.dirname(file), { recursive: true });
  // 'wx': never overwrite a key another process just wrote.
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const written = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  return { key: written, source: 'generated' };
}
