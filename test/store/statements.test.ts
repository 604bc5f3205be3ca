import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/store/index.js'; // every repository, so every statement is defined
import { type Statement, definedStatements } from '../../src/store/sql.js';
import { type TestDatabase, freshDatabase, usingPostgres } from '../support/database.js';

// Every prepared statement (src/store/sql.ts defineStatement) is prepared against the migrated
// schema: PREPARE runs the parser and the analyser, so a table, column or type the schema does
// not have fails here, not on the first request after a migration. Statements added later are
// covered by defining them with defineStatement; nothing needs to be listed in this file.

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** PREPARE and DEALLOCATE on one connection (a transaction), rolled back either way. */
async function prepare(statement: Statement): Promise<void> {
  const { prisma } = database.db;
  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`PREPARE latchkey_schema_check AS ${statement.text}`);
    await tx.$executeRawUnsafe('DEALLOCATE latchkey_schema_check');
  });
}

describe('prepared statements against the migrated schema', () => {
  it('knows the hot path statements (the list is filled by defineStatement)', () => {
    const names = definedStatements().map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'latchkey_present_and_rotate',
        'latchkey_create_session',
        'latchkey_find_session',
        'latchkey_find_user_by_email',
        'latchkey_rate_limit_add',
        'latchkey_rate_limit_get',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('prepares every defined statement', async () => {
    const failures: string[] = [];
    for (const statement of definedStatements()) {
      await prepare(statement).catch((error: unknown) => failures.push(`${statement.name}: ${String(error)}`));
    }
    expect(failures).toEqual([]);
  });

  it('fails for a statement whose column a migration renamed (the check bites)', async () => {
    const rotate = definedStatements().find((s) => s.name === 'latchkey_present_and_rotate')!;
    await database.db.prisma.$executeRawUnsafe('ALTER TABLE refresh_tokens RENAME COLUMN used_at TO spent_at');
    try {
      await expect(prepare(rotate)).rejects.toThrow(/used_at/);
    } finally {
      await database.db.prisma.$executeRawUnsafe('ALTER TABLE refresh_tokens RENAME COLUMN spent_at TO used_at');
    }
  });
});

describe("the hot path's runner (db.sql: named prepared statements, on PGlite too)", () => {
  const sum: Statement = {
    name: 'latchkey_test_sum',
    text: 'SELECT $1::int + 1 AS n, $2::text[] AS tags, $3::timestamptz AS at',
  };
  const divide: Statement = { name: 'latchkey_test_divide', text: 'SELECT 10 / $1::int AS n' };

  it('answers rows with their types, the same on every call of a prepared statement', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    for (let i = 0; i < 3; i++) {
      expect(await database.db.sql.query(sum, [41 + i, ['a', 'b,"c"'], at])).toEqual([{ n: 42 + i, tags: ['a', 'b,"c"'], at }]);
    }
  });

  it('answers a failed statement with its SQLSTATE and stays usable, for it and for everyone else', async () => {
    await expect(database.db.sql.query(divide, [0])).rejects.toMatchObject({ code: '22012' });
    expect(await database.db.sql.query(divide, [5])).toEqual([{ n: 2 }]);
    const broken: Statement = { name: 'latchkey_test_broken', text: 'SELECT no_such_column' };
    await expect(database.db.sql.query(broken, [])).rejects.toMatchObject({ code: '42703' });
    await expect(database.db.sql.query(broken, [])).rejects.toMatchObject({ code: '42703' });
    expect(await database.db.prisma.$queryRawUnsafe('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await database.db.sql.query(sum, [1, [], new Date(0)])).toEqual([{ n: 2, tags: [], at: new Date(0) }]);
  });

  it.runIf(!usingPostgres())('prepares a statement again when its session dropped it (PGlite: one session for all)', async () => {
    expect(await database.db.sql.query(divide, [5])).toEqual([{ n: 2 }]);
    await database.db.prisma.$executeRawUnsafe('DEALLOCATE ALL');
    expect(await database.db.sql.query(divide, [5])).toEqual([{ n: 2 }]);
    expect(await database.db.sql.query(divide, [2])).toEqual([{ n: 5 }]);
  });

  it("never runs inside another caller's transaction: what a transaction undid, it never saw", async () => {
    const count: Statement = {
      name: 'latchkey_test_count',
      text: "SELECT count(*)::int AS n FROM users WHERE email LIKE 'runner-%'",
    };
    let seen: Promise<unknown> | undefined;
    const undone = new Error('rolled back on purpose');
    await expect(
      database.db.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          "INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (gen_random_uuid(), 'runner-1@example.com', 'x', now(), now())",
        );
        // On PGlite (one session) a statement sent now would run inside this transaction and see
        // the row; the runner waits for the transaction to end. On PostgreSQL it runs on another
        // connection, which does not see uncommitted rows.
        seen = database.db.sql.query(count, []);
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw undone;
      }),
    ).rejects.toBe(undone);
    expect(await seen).toEqual([{ n: 0 }]);
    expect(await database.db.sql.query(count, [])).toEqual([{ n: 0 }]);
  });
});
