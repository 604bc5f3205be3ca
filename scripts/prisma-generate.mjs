// Runs `prisma generate` without network access. Generate never executes the schema engine,
// but Prisma refuses to start unless it finds one; where the native engine could not be
// downloaded (offline or restricted machines) we point it at a placeholder file.
// Used by `npm install` (postinstall) and `npm run generate`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
let prismaCli;
try {
  prismaCli = require.resolve('prisma/build/index.js');
} catch {
  // Production installs (npm ci --omit=dev) ship the generated client prebuilt.
  console.log('prisma CLI not installed; skipping client generation');
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const enginesDir = path.dirname(require.resolve('@prisma/engines/package.json'));
const hasNativeEngine = readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasNativeEngine) {
  const placeholder = path.join(os.tmpdir(), 'latchkey-no-schema-engine');
  if (!existsSync(placeholder)) writeFileSync(placeholder, '');
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;
}
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
