import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/**
 * The hot path's SQL: the few statements every refresh and every authenticated request runs,
 * sent as named prepared statements on the connections Prisma's adapter uses. PostgreSQL then
 * parses and plans each once per connection, and the statement skips Prisma's query pipeline.
 * Measured on the rotation statement (`npm run bench:statements`, docs/performance.md): about
 * 2.9 times the statements per second of Prisma's `$queryRaw`. Everything else goes through Prisma.
 */
export interface SqlRunner {
  query<Row>(statement: Statement, values: readonly unknown[]): Promise<Row[]>;
}

/** A statement with a stable name: PostgreSQL prepares it once per connection under that name. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const defined = new Map<string, Statement>();

/**
 * The one way to write a prepared statement: define it at module level in its repository
 * (store/*.ts), beside the row type it returns. Every statement defined here is listed by
 * `definedStatements()`, and test/store/statements.test.ts prepares each one against the
 * migrated schema, so a migration cannot silently break a statement, including ones added
 * later. Names are global per connection, so they must be unique (`latchkey_<what>`).
 */
export function defineStatement(name: string, text: string): Statement {
  const existing = defined.get(name);
  if (existing && existing.text !== text) throw new Error(`two prepared statements are named ${name}`);
  const statement = existing ?? Object.freeze({ name, text });
  defined.set(name, statement);
  return statement;
}

/** Every statement defined so far (import src/store/index.ts first to have them all). */
export function definedStatements(): readonly Statement[] {
  return [...defined.values()];
}

export function postgresRunner(pool: pg.Pool): SqlRunner {
  return {
    async query<Row>(statement: Statement, values: readonly unknown[]) {
      const result = await pool.query({ name: statement.name, text: statement.text, values: [...values] });
      return result.rows as Row[];
    },
  };
}

/** PGlite runs in this process: there is nothing to prepare across a wire, one query call is all. */
export function pgliteRunner(pglite: PGlite): SqlRunner {
  return {
    async query<Row>(statement: Statement, values: readonly unknown[]) {
      const result = await pglite.query<Row>(statement.text, [...values]);
      return result.rows;
    },
  };
}
