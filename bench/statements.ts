// `npm run bench:statements`: what one refresh costs the database layer alone, without HTTP. The
// rotation statement (src/store/session-statements.ts) run back to back by 64 concurrent chains over a
// 10-connection pool, three ways: through Prisma's `$queryRaw`, through pg as an unnamed statement
// (parsed and planned on every call), and through pg as a named prepared statement (what the
// server does, src/store/sql.ts). Needs DATABASE_URL=postgresql://… (a fresh database is created
// on that server and dropped). BENCH_DURATION seconds per variant (default 8).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { freshPostgresDatabase } from './database.js';
import { openDatabase, parseDatabaseUrl } from '../src/store/database.js';
import { applyMigrations } from '../src/store/migrate.js';
import { createStore } from '../src/store/index.js';
import { PRESENT_AND_ROTATE } from '../src/store/session-statements.js';

const base = process.env.DATABASE_URL;
if (!base?.startsWith('postgres')) {
  console.error('bench:statements needs DATABASE_URL=postgresql://…');
  process.exit(2);
}
const seconds = Number(process.env.BENCH_DURATION ?? 8);
const CHAINS = 64;
const database = await freshPostgresDatabase(base, 'latchkey_statements');
const location = parseDatabaseUrl(database.url);
const db = await openDatabase(location, { poolSize: 10 });
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

try {
  await applyMigrations(db, location);
  const store = createStore(db);
  const user = await db.prisma.user.create({ data: { email: 'bench@example.com', passwordHash: 'x' } });
  const chains: string[] = [];
  for (let i = 0; i < CHAINS; i++) {
    const token = randomBytes(32).toString('base64url');
    chains.push(token);
    const now = new Date();
    await store.sessions.create({
      userId: user.id,
      now,
      expiresAt: new Date(now.getTime() + 86_400_000),
      token: { id: randomUUID(), hash: hash(token) },
      ip: null,
      userAgent: null,
      statusTokenTtl: 630,
      statusReuseBefore: new Date(0),
      event: { type: 'login_succeeded' },
    });
  }
  const text = PRESENT_AND_ROTATE.text; // the server's own statement
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  const variants: Record<string, (values: unknown[]) => Promise<number>> = {
    'Prisma $queryRaw': async (values) => {
      const rows = await db.prisma.$queryRawUnsafe<{ rotated: number }[]>(text, ...values);
      return rows[0]!.rotated;
    },
    'pg, unnamed statement': async (values) => (await pool.query<{ rotated: number }>(text, values)).rows[0]!.rotated,
    'pg, named prepared statement': async (values) =>
      (await pool.query<{ rotated: number }>({ name: 'rotate', text, values })).rows[0]!.rotated,
  };
  console.log(`variant                       | statements/s (${CHAINS} chains, pool of 10, ${seconds} s)`);
  for (const [label, run] of Object.entries(variants)) {
    let done = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      chains.map(async (start, i) => {
        let current = start;
        while (Date.now() < end) {
          const next = randomBytes(32).toString('base64url');
          const now = new Date();
          const rotated = await run([
            hash(current),
            now,
            new Date(now.getTime() - 86_400_000),
            randomUUID(),
            hash(next),
            null,
            'latchkey', // the presenting client (the session's own)
            null, // no narrower scope
          ]);
          if (rotated !== 1) throw new Error(`chain ${i} did not rotate`);
          current = next;
          done++;
        }
        chains[i] = current;
      }),
    );
    console.log(`${label.padEnd(29)} | ${Math.round(done / seconds)}`);
  }
  await pool.end();
} finally {
  await db.close();
  await database.drop();
}
