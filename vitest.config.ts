import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The same suite runs on the embedded database (default) and, with
// DATABASE_URL=postgresql://…, on PostgreSQL: each test file gets a fresh database.
export default defineConfig({
  // The workspace package from its sources (as tsconfig.json's paths), so tests need no build first.
  resolve: { alias: { '@latchkey/verify': fileURLToPath(new URL('./packages/verify/src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
