import { readdir } from 'node:fs/promises';

// No other imports: src/store/pglite.ts uses this, and the install script loads that module.

/** True for a data directory that is missing or empty (or in memory): it will be initialised and migrated. */
export async function isNewDirectory(dir: string | undefined): Promise<boolean> {
  if (!dir) return true; // in memory
  return readdir(dir).then(
    (entries) => entries.length === 0,
    () => true,
  );
}
