// The shape of bench/results/*.json and the tables made from it: printed by `npm run bench`,
// written into docs/performance.md by `npm run bench:docs`. Both read only the results file.

export type Role = 'latchkey' | 'second line' | 'peer' | 'reference';
export type Scenario = 'jwks' | 'login' | 'refresh' | 'me' | 'statuslist';

export interface Run {
  round: number;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Highest RSS of the server process during this run (null: not a server). */
  peakRssMb: number | null;
  /** CPU milliseconds per successful request: the server process (all threads), and its PostgreSQL backends. */
  serverCpuMsPerReq: number | null;
  databaseCpuMsPerReq: number | null;
  statuses: Record<string, number>;
  errors: number;
  /** os.loadavg() at the end of the run. */
  loadavg: number[];
}

export interface Entry {
  scenario: Scenario;
  contender: string;
  role: Role;
  /** What the contender does differently, for the table's footnotes. */
  note?: string;
  runs: Run[];
}

export interface ProcessMemory {
  contender: string;
  /** RSS two seconds after it listened, before any request. */
  idleAtStartMb: number;
  /** RSS five seconds after its last scenario ended. */
  idleAfterLoadMb: number | null;
  /** Highest RSS during any of its runs. */
  peakMb: number;
}

export interface Suite {
  database: 'postgresql' | 'pglite';
  entries: Entry[];
  memory: ProcessMemory[];
  startup: { first: { wallMs: number; readyMs?: number }; restart: { wallMs: number; readyMs?: number } };
}

export interface Results {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string | undefined;
    memoryMb: number;
    node: string;
    platform: string;
    loadavgAtStart: number[];
    loadavgAtEnd: number[];
  };
  options: {
    duration: number;
    connections: number;
    rounds: Record<string, number>;
    threadpoolSize: number;
    latchkeyArgs: string[];
  };
  suites: Suite[];
  verdicts: string[];
}

export const SCENARIOS: Record<Scenario, { title: string; reference: string }> = {
  jwks: { title: 'JWKS (`GET` of the public key set)', reference: 'Express hello-world in the same run' },
  statuslist: {
    title: 'Token status list (`GET /statuslists/1`, signed, with sessions and revocations in it)',
    reference: 'Express hello-world in the same run',
  },
  login: {
    title: 'Login (`POST /auth/login`, correct password)',
    reference: 'raw argon2id verify, same parameters and thread pool',
  },
  refresh: {
    title: 'Refresh with rotation, each connection walking its own chain',
    reference: 'the best peer in the same run',
  },
  me: { title: 'Session check (`GET /auth/me` with an access token)', reference: '' },
};

export interface Summary {
  entry: Entry;
  median: number;
  min: number;
  max: number;
  p99Ms: number | null;
  peakRssMb: number | null;
  failed: number;
  ratio: number | null;
  loadavg: number[];
  serverCpuMs: number | null;
  databaseCpuMs: number | null;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median [range] of each contender in a scenario, and its ratio to the scenario's reference. */
export function summarise(suite: Suite, scenario: Scenario): Summary[] {
  const entries = suite.entries.filter((e) => e.scenario === scenario);
  const base = entries.map((entry) => {
    const rates = entry.runs.map((r) => r.reqPerSec);
    // A ceiling that is not a server (peakRssMb null) has no latency.
    const p99s = entry.runs
      .filter((r) => r.peakRssMb !== null)
      .map((r) => r.p99Ms)
      .filter((p): p is number => p !== null);
    const rss = entry.runs.map((r) => r.peakRssMb).filter((p): p is number => p !== null);
    const loads = entry.runs.map((r) => r.loadavg[0] ?? 0);
    const medianOf = (values: (number | null)[]) => {
      const present = values.filter((v): v is number => v !== null);
      return present.length ? median(present) : null;
    };
    return {
      entry,
      median: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      p99Ms: p99s.length ? median(p99s) : null,
      peakRssMb: rss.length ? Math.max(...rss) : null,
      failed: entry.runs.reduce((n, r) => n + r.errors + Object.values(r.statuses).reduce((a, b) => a + b, 0), 0),
      ratio: null as number | null,
      loadavg: [Math.min(...loads), Math.max(...loads)],
      serverCpuMs: medianOf(entry.runs.map((r) => r.serverCpuMsPerReq ?? null)),
      databaseCpuMs: medianOf(entry.runs.map((r) => r.databaseCpuMsPerReq ?? null)),
    };
  });
  const reference =
    scenario === 'refresh'
      ? Math.max(0, ...base.filter((s) => s.entry.role === 'peer').map((s) => s.median))
      : base.find((s) => s.entry.role === 'reference')?.median;
  if (reference) for (const s of base) if (s.entry.role !== 'reference' || scenario === 'refresh') s.ratio = s.median / reference;
  return base;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (r: number | null) => (r === null ? '' : `${Math.round(r * 100)} %`);
const times = (r: number | null) => (r === null ? '' : `${r.toFixed(2)}×`);

function rows(suite: Suite, scenario: Scenario): string[][] {
  return summarise(suite, scenario).map((s) => {
    const runs = s.entry.runs.length;
    const rate = runs > 1 ? `${int(s.median)} [${int(s.min)}–${int(s.max)}]` : int(s.median);
    const ratio = scenario === 'refresh' ? times(s.ratio) : pct(s.ratio);
    return [
      `${s.entry.contender}${s.entry.role === 'second line' ? ' (second line)' : ''}`,
      rate,
      s.p99Ms === null ? '' : String(s.p99Ms),
      s.peakRssMb === null ? '' : String(Math.round(s.peakRssMb)),
      ratio,
      cpu(s),
      s.failed ? String(s.failed) : '0',
      s.loadavg[0] === s.loadavg[1] ? `${s.loadavg[0]}` : `${s.loadavg[0]}–${s.loadavg[1]}`,
    ];
  });
}

const HEADER = [
  'server',
  'req/s median [range]',
  'p99 ms',
  'peak RSS MB',
  'vs reference',
  'CPU ms/req: server + database',
  'failed',
  'load avg (1 min)',
];

const cpu = (s: Summary) => {
  if (s.serverCpuMs === null) return '';
  const server = s.serverCpuMs.toFixed(2);
  return s.databaseCpuMs === null ? server : `${server} + ${s.databaseCpuMs.toFixed(2)}`;
};

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

export function textTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

const DATABASE_TITLE = { postgresql: 'PostgreSQL', pglite: 'PGlite (embedded)' };

function memoryRows(suite: Suite): string[][] {
  return suite.memory.map((m) => [
    m.contender,
    String(Math.round(m.idleAtStartMb)),
    String(Math.round(m.peakMb)),
    m.idleAfterLoadMb === null ? '' : String(Math.round(m.idleAfterLoadMb)),
  ]);
}
const MEMORY_HEADER = ['process', 'idle after start MB', 'peak under load MB', 'idle after load MB'];

/** The console report of `npm run bench`. */
export function textReport(results: Results): string {
  const out: string[] = [];
  for (const suite of results.suites) {
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const body = rows(suite, scenario);
      if (!body.length) continue;
      out.push(`\n${DATABASE_TITLE[suite.database]}: ${SCENARIOS[scenario].title}`, textTable(HEADER, body));
    }
    out.push(`\n${DATABASE_TITLE[suite.database]}: memory`, textTable(MEMORY_HEADER, memoryRows(suite)));
    out.push(
      `startup: first ${suite.startup.first.wallMs} ms, restart ${suite.startup.restart.wallMs} ms (wall, spawn to listening)`,
    );
  }
  out.push('', ...results.verdicts);
  return out.join('\n');
}

/** The results section of docs/performance.md. */
export function markdownReport(results: Results, file: string): string {
  const { machine, options } = results;
  const out: string[] = [
    `Run of ${results.date.slice(0, 16).replace('T', ' ')} UTC ([\`${file}\`](../${file})): ${machine.cpus} × ${machine.cpuModel ?? 'CPU'}, ` +
      `${Math.round(machine.memoryMb / 1024)} GB, ${machine.platform}, Node ${machine.node}, ${options.duration} s per run, ` +
      `${options.connections} connections, thread pool ${options.threadpoolSize}, Latchkey started as \`node ${options.latchkeyArgs.join(' ')}\`. ` +
      `Load average (1, 5, 15 min) at the start ${machine.loadavgAtStart.join(', ')}, at the end ${machine.loadavgAtEnd.join(', ')}; ` +
      'each row also shows the 1-minute load average at the end of its runs.',
  ];
  for (const suite of results.suites) {
    out.push('', `### ${DATABASE_TITLE[suite.database]}`);
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const body = rows(suite, scenario);
      if (!body.length) continue;
      const { title, reference } = SCENARIOS[scenario];
      const notes = suite.entries.filter((e) => e.scenario === scenario && e.note).map((e) => `${e.contender}: ${e.note}`);
      out.push('', `**${title}**${reference ? ` (reference: ${reference})` : ''}`, '', markdownTable(HEADER, body));
      if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
    }
    out.push('', '**Memory** (RSS of each server process)', '', markdownTable(MEMORY_HEADER, memoryRows(suite)));
    const { first, restart } = suite.startup;
    out.push(
      '',
      `Ready: first start ${first.wallMs} ms, restart ${restart.wallMs} ms (wall time from spawn to the listening line).`,
    );
  }
  out.push('', '**Verdicts**', '', ...results.verdicts.map((v) => `- ${v}`));
  return out.join('\n');
}

/** The issue's goals, judged on one results file. */
export function judge(suites: Suite[]): string[] {
  const verdicts: string[] = [];
  const say = (goal: string, met: boolean, measured: string) => verdicts.push(`${met ? 'PASS' : 'MISS'} ${goal}: ${measured}`);
  for (const suite of suites) {
    const db = DATABASE_TITLE[suite.database];
    const get = (scenario: Scenario, role: Role) => summarise(suite, scenario).find((s) => s.entry.role === role);
    const refresh = get('refresh', 'latchkey');
    if (refresh?.ratio != null) {
      say(`${db}: refresh ≥ 2× the best peer`, refresh.ratio >= 2, `${times(refresh.ratio)} (${int(refresh.median)} req/s)`);
    }
    if (refresh) say(`${db}: refresh p99 ≤ 100 ms`, (refresh.p99Ms ?? Infinity) <= 100, `${refresh.p99Ms} ms`);
    const jwks = get('jwks', 'latchkey');
    if (jwks?.ratio != null) say(`${db}: JWKS ≥ 100 % of Express hello-world`, jwks.ratio >= 1, pct(jwks.ratio));
    const statusList = get('statuslist', 'latchkey');
    if (statusList?.ratio != null) {
      say(
        `${db}: status list ≥ 100 % of Express hello-world`,
        statusList.ratio >= 1,
        `${pct(statusList.ratio)} (${int(statusList.median)} req/s${jwks?.median != null ? `, JWKS ${int(jwks.median)} req/s` : ''})`,
      );
    }
    const login = get('login', 'latchkey');
    if (login?.ratio != null) say(`${db}: login ≥ 90 % of raw argon2id`, login.ratio >= 0.9, pct(login.ratio));
    const memory = suite.memory.find((m) => m.contender === 'Latchkey');
    if (memory && refresh?.peakRssMb != null && suite.database === 'postgresql') {
      say(`${db}: peak RSS under refresh ≤ 200 MB`, refresh.peakRssMb <= 200, `${Math.round(refresh.peakRssMb)} MB`);
      say(`${db}: idle RSS ≤ 120 MB`, memory.idleAtStartMb <= 120, `${memory.idleAtStartMb} MB after start`);
    }
  }
  return verdicts;
}
