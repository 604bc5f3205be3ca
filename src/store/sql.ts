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
