// `node --expose-gc --import tsx bench/counters.ts`: what the in-memory flood counters
// (src/limits/counters.ts) cost at their cap: V8 heap per counter after a full GC, and CPU per
// request for a new client address, through the refresh limiter as the server calls it.
// Options (environment): BENCH_COUNTERS (how many distinct IPv4 addresses; MEMORY_COUNTER_CAP).
import { MEMORY_COUNTER_CAP, createLimits } from '../src/limits/limits.js';
import { systemClock } from '../src/clock.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the first line of this file)');
const count = Number(process.env.BENCH_COUNTERS ?? MEMORY_COUNTER_CAP);

gc();
const before = process.memoryUsage().heapUsed;
const limits = createLimits({ enabled: true, shared: null, clock: systemClock, memoryCap: count });
const started = performance.now();
for (let i = 0; i < count; i++) await limits.refreshPerIp.hit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
const micros = ((performance.now() - started) * 1000) / count;
gc();
const bytes = process.memoryUsage().heapUsed - before;
console.log(
  `${count} counters: ${(bytes / 2 ** 20).toFixed(1)} MB of heap, ${Math.round(bytes / count)} bytes a counter; ` +
    `${micros.toFixed(2)} µs a request from a new address (limits ${limits.enabled ? 'on' : 'off'})`,
);
