// Preloaded into a server by `npm run bench:profile` (node --import): counts the SQL statements the
// process sends through node-postgres (Prisma's adapter and the prepared hot path both use pg's
// Client#query), and samples process.memoryUsage() every 50 ms. Written as JSON to
// $BENCH_PROBE_OUT when the process exits. Analysis only: never loaded by `npm start`.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';

const out = process.env.BENCH_PROBE_OUT;
const require = createRequire(path.join(process.env.BENCH_PROBE_ROOT ?? process.cwd(), 'package.json'));
const statements = new Map();
let pgFound = false;
try {
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const key = (config?.name ? `[${config.name}] ` : '') + text.replace(/\s+/g, ' ').trim().slice(0, 90);
    statements.set(key, (statements.get(key) ?? 0) + 1);
    return query.call(this, config, values, callback);
  };
  pgFound = true;
} catch {
  // no pg in this process (PGlite): only memory is sampled
}

const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const samples = [];
const timer = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
  samples.push([Date.now(), m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers]);
  if (samples.length > 20_000) samples.splice(0, 10_000);
}, 50);
timer.unref();

/** Resident MB by mapping (a file's name, [heap] for malloc's main arena, [anon] for the rest). */
function residentByMapping() {
  const resident = {};
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) name = path.basename(mapping[1] || '[anon]');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) resident[name] = (resident[name] ?? 0) + Number(rss[1]) / 1024;
  }
  return resident;
}

// SIGUSR2 marks the start and the end of the measured window: the statement counts and the
// monotonic time (µs, the clock of --cpu-prof's samples) at each mark, and where the memory is
// (V8's heap spaces, committed and used, and resident memory by mapping).
const marks = [];
process.on('SIGUSR2', () => {
  marks.push({
    atMicros: Number(process.hrtime.bigint() / 1000n),
    statements: Object.fromEntries(statements),
    memory: process.memoryUsage(),
    heapSpaces: v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size, s.space_used_size]),
    resident: residentByMapping(),
  });
  if (marks.length === 1) for (const k of Object.keys(peak)) peak[k] = 0;
});

process.on('exit', () => {
  if (!out) return;
  const now = process.memoryUsage();
  writeFileSync(out, JSON.stringify({ pgFound, marks, peak, now, samples: samples.slice(-4000) }));
});
