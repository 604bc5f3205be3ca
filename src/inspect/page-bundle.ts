import path from 'node:path';

// The inspector page's script and style, bundled by esbuild from src/inspect/page/ on the
// first request and kept in memory for the life of the process. One path for every way the
// server runs: from source (tests, tsx), compiled (`npm start` runs dist/, next to src/) and
// the Docker image (which ships src/ for the CLI, and esbuild as a dependency). The browser
// build of jose comes with it: WebCrypto, no Node built-ins.

// src/inspect/ or dist/inspect/: the package root is two levels up either way.
const ROOT = path.resolve(import.meta.dirname, '../..');
const PAGE_DIR = path.join(ROOT, 'src/inspect/page');

export interface PageBundle {
  js: string;
  css: string;
}

let pending: Promise<PageBundle> | undefined;

/** The bundle, built once; a failed build is retried by the next request. */
export function pageBundle(): Promise<PageBundle> {
  pending ??= build().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function build(): Promise<PageBundle> {
  // Loaded only when the page is first asked for: servers that never serve it never start esbuild.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(PAGE_DIR, 'main.ts'), path.join(PAGE_DIR, 'inspector.css')],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: 'inspector',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  const output = (extension: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(extension));
    if (!file) throw new Error(`esbuild produced no ${extension} file for the inspector`);
    return file.text;
  };
  return { js: output('.js'), css: output('.css') };
}
