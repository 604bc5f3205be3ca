#!/usr/bin/env node
// `npx latchkey …` from a clone, no build step: tsx (a runtime dependency) loads the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
