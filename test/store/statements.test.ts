import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/store/index.js'; // every repository, so every statement is defined
import { type Statement, definedStatements } from '../../src/store/sql.js';
import { type TestDatabase, freshDatabase } from '../support/database.js';

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
