import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (generate; migrate deploy where the native engine exists).
// Latchkey itself applies migrations with src/store/migrate.ts and never needs this file.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgresql://localhost/latchkey',
  },
});
