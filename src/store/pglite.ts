import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { isNewDirectory } from './data-directory.js';

// The embedded database. Two things make it lighter than PGlite's defaults:
//
// - shared_buffers = 32 MB instead of 128 MB: PostgreSQL touches the whole buffer pool when it
//   starts, so the default costs ~105 MB of resident memory; 32 MB (4,000 pages) hold the working
//   set of one embedded instance many times over, with the OS page cache behind it.
// - A new data directory is unpacked from a template instead of running initdb (the slowest part
//   of a first start, ~3.5 s, and most of its memory). The template is what initdb produces,
//   made once per PGlite version by `npm install` (scripts/prepare-pglite.ts) or else by the
//   first start, and saved beside the installed packages; migrations still run at every start.

const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];
// The package's directory (its exports hide package.json): node_modules/@electric-sql/pglite.
const PGLITE_DIR = path.resolve(path.dirname(new URL(import.meta.resolve('@electric-sql/pglite')).pathname), '..');

export async function openPGlite(dataDir: string | undefined): Promise<PGlite> {
  if (!dataDir) return ready(new PGlite({ startParams: START_PARAMS }));
  const fresh = await isNewDirectory(dataDir);
  await mkdir(dataDir, { recursive: true });
  const template = fresh ? await readTemplate() : undefined;
  if (template) {
    const fromTemplate = new PGlite(dataDir, { startParams: START_PARAMS, loadDataDir: new Blob([new Uint8Array(template)]) });
    try {
      return await ready(fromTemplate);
    } catch {
      // A damaged template: forget it and fall back to initdb on an empty directory.
      if (!fromTemplate.closed) await fromTemplate.close().catch(() => undefined);
      await rm(await templatePath(), { force: true });
      await emptyDirectory(dataDir);
    }
  }
  const pglite = await ready(new PGlite(dataDir, { startParams: START_PARAMS }));
  if (fresh) await saveTemplate(pglite);
  return pglite;
}

/** Install time: makes the initdb template unless there is one already. Returns whether it made one. */
export async function preparePGliteTemplate(): Promise<boolean> {
  if (await readTemplate()) return false;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-initdb-'));
  try {
    const pglite = await ready(new PGlite(path.join(dir, 'data'), { startParams: START_PARAMS }));
    await saveTemplate(pglite);
    await pglite.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return (await readTemplate()) !== undefined;
}

async function ready(pglite: PGlite): Promise<PGlite> {
  await pglite.waitReady;
  return pglite;
}

let template: Promise<string> | undefined;
function templatePath(): Promise<string> {
  template ??= readFile(path.join(PGLITE_DIR, 'package.json'), 'utf8').then((text) => {
    const { version } = JSON.parse(text) as { version: string };
    // node_modules/.cache: the conventional place for files derived from installed packages.
    return path.join(PGLITE_DIR, '../../.cache/latchkey', `pglite-${version}-initdb.tar.gz`);
  });
  return template;
}

async function readTemplate(): Promise<Buffer | undefined> {
  return readFile(await templatePath()).catch(() => undefined);
}

/** Best effort: a read-only install (e.g. a container image) simply keeps running initdb. */
async function saveTemplate(pglite: PGlite): Promise<void> {
  try {
    const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
    const target = await templatePath();
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    await writeFile(partial, dump);
    await rename(partial, target); // atomic: concurrent first starts never read half a file
  } catch {
    // no template; the next first start runs initdb again
  }
}

async function emptyDirectory(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true, force: true });
}
