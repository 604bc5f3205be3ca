import { defineConfig } from 'vitest/config';

// The same suite runs on the embedded database (default) and, with
// DATABASE_URL=postgresql://…, on PostgreSQL: each test file gets a fresh database.
export default defineConfig({
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
