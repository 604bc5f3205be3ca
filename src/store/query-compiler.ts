import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

// Prisma's generated client loads its query compiler (WebAssembly) by importing a module whose one
// export is the binary as a base64 string (2.3 MB with `compilerBuild = "small"`, prisma/schema.prisma).
// An imported module lives as long as the process: its source text and the string would hold ~4.6 MB
// of V8's heap for nothing once the module is compiled (9.2 MB with the default "fast" build). Reading
// the same file as text and decoding it here leaves nothing behind the compiled module. Measured with
// `npm run bench:memory` and docs/performance.md ("Memory").

const require = createRequire(import.meta.url);

/** The part of Prisma's client config (`GetPrismaClientConfig`, @prisma/client/runtime) read here. */
interface GetConfig {
  activeProvider: string;
  compilerWasm?: { importName: string; getQueryCompilerWasmModule(): Promise<unknown> };
}

/** Prisma's hook for its own tooling (`PrismaClientOptions.__internal` in @prisma/client/runtime). */
interface InternalOptions {
  __internal: { configOverride: (config: GetConfig) => GetConfig };
}

/** PrismaClient options that load the query compiler without keeping its base64 text. */
export function queryCompilerOptions(): Record<never, never> {
  const internal: InternalOptions = {
    __internal: { configOverride: (config) => ({ ...config, compilerWasm: fromFile(config) }) },
  };
  return internal; // typed as nothing: the generated PrismaClientOptions does not list __internal
}

function fromFile(config: GetConfig): GetConfig['compilerWasm'] {
  const generated = config.compilerWasm;
  if (!generated) return generated;
  // "./query_compiler_small_bg.js" → @prisma/client/runtime/query_compiler_small_bg.postgresql.wasm-base64.mjs
  const base = /^\.\/(query_compiler_\w+_bg)\.js$/.exec(generated.importName)?.[1];
  if (!base) return generated;
  return {
    ...generated,
    async getQueryCompilerWasmModule() {
      let text: string;
      try {
        const file = require.resolve(`@prisma/client/runtime/${base}.${config.activeProvider}.wasm-base64.mjs`);
        text = await readFile(file, 'latin1');
      } catch {
        return generated.getQueryCompilerWasmModule(); // another layout: Prisma's own loader
      }
      const base64 = /"([A-Za-z0-9+/=]+)"/.exec(text)?.[1];
      if (!base64) return generated.getQueryCompilerWasmModule();
      return new WebAssembly.Module(Buffer.from(base64, 'base64'));
    },
  };
}
