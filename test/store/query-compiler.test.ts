import { describe, expect, it } from 'vitest';
import { queryCompilerOptions } from '../../src/store/query-compiler.js';

interface Loader {
  importName: string;
  getQueryCompilerWasmModule(): Promise<unknown>;
}
const options = queryCompilerOptions() as { __internal: { configOverride(c: object): { compilerWasm: Loader } } };
const override = (config: object) => options.__internal.configOverride(config);
const generated = (importName: string): Loader => ({
  importName,
  getQueryCompilerWasmModule: () => Promise.resolve('generated loader'),
});

describe("Prisma's query compiler", () => {
  it('is compiled from the installed base64 file, not through the module import that would keep its text', async () => {
    const { compilerWasm } = override({ activeProvider: 'postgresql', compilerWasm: generated('./query_compiler_small_bg.js') });
    const module = await compilerWasm.getQueryCompilerWasmModule();
    expect(module).toBeInstanceOf(WebAssembly.Module);
    expect(WebAssembly.Module.exports(module as WebAssembly.Module).map((e) => e.name)).toContain('__wbindgen_start');
  });

  it("falls back to Prisma's own loader when the file is not where this Prisma version keeps it", async () => {
    const { compilerWasm } = override({ activeProvider: 'postgresql', compilerWasm: generated('./query_compiler_other_bg.js') });
    await expect(compilerWasm.getQueryCompilerWasmModule()).resolves.toBe('generated loader');
  });
});
