// What `npm start` and the Docker image run: sizes libuv's thread pool, then starts the server
// (src/main.ts).
//
// The pool runs argon2 and WebCrypto's signing. libuv sizes it once, from UV_THREADPOOL_SIZE, when
// it first runs a job, and Node's ES module loader reads files through it before an ES module's
// first line runs; this entry is CommonJS so that it runs before the pool exists. Unset, the size
// is the number of cores this process may use, not libuv's 4: argon2 verifies no faster with more
// threads than cores, and each thread that has verified keeps argon2's 19 MiB (docs/performance.md,
// "Memory"). Set UV_THREADPOOL_SIZE to choose another size. A module preloaded with `--import`
// (or NODE_OPTIONS) starts the pool before this runs, at libuv's 4: set UV_THREADPOOL_SIZE then.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ||= String(availableParallelism());

import('./main.js').catch((error: unknown) => {
  process.stderr.write(`latchkey: failed to load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
