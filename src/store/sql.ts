import { type PGlite, parse, protocol } from '@electric-sql/pglite';
import type pg from 'pg';

/**
 * The hot path's SQL: the few statements every refresh and every authenticated request runs,
 * sent as named prepared statements on the connections Prisma's adapter uses (PGlite's one
 * session, or the pg pool's connections). The database then parses and plans each once per
 * connection, and the statement skips Prisma's query pipeline.
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

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

/**
 * PGlite runs PostgreSQL in this process, one session for the whole app. `pglite.query` parses
 * and plans its statement on every call (an unnamed statement); on the rotation statement that
 * is ~60 % of its cost (2.4 ms a call against 1.0 ms prepared, measured in process). So the hot
 * path's statements are prepared here too, under their names, once per PGlite instance: the
 * extended-protocol exchange `pglite.query` makes (its source, src/base.ts `#runQuery`), with a
 * named statement bound instead of an unnamed one parsed and described on every call. Like `pglite.query`, each call holds
 * PGlite's transaction and query locks, so it never runs inside another caller's transaction,
 * and an error ends with Sync, which leaves the session ready for the next statement.
 */
export function pgliteRunner(pglite: PGlite): SqlRunner {
  /** What the session said of each statement it prepared: its parameter types and its row description. */
  const prepared = new Map<string, { types: number[]; rows: BackendMessage[] }>();
  const send = (message: Uint8Array) => pglite.execProtocolStream(message, { syncToFs: false });

  async function run(statement: Statement, values: readonly unknown[]): Promise<BackendMessage[]> {
    const messages: BackendMessage[] = [];
    try {
      let described = prepared.get(statement.name);
      if (!described) {
        // Close first: not an error for a name the session does not hold, and it clears one a
        // failed earlier attempt may have left, so preparing can always be tried again.
        await send(protocol.serialize.close({ type: 'S', name: statement.name }));
        await send(protocol.serialize.parse({ name: statement.name, text: statement.text }));
        // The statement's description names its parameters' types and its columns, once: each
        // call then binds and executes, with no Describe of its own.
        const description = await send(protocol.serialize.describe({ type: 'S', name: statement.name }));
        described = {
          types: parse.parseDescribeStatementResults(description),
          rows: description.filter((m) => m.name === 'rowDescription'),
        };
        prepared.set(statement.name, described);
      }
      const { types, rows } = described;
      const text = values.map((value, i) => serialize(pglite, value, types[i]));
      messages.push(...rows);
      messages.push(...(await send(protocol.serialize.bind({ statement: statement.name, values: text }))));
      messages.push(...(await send(protocol.serialize.execute({}))));
    } finally {
      messages.push(...(await send(protocol.serialize.sync())));
    }
    return messages;
  }

  const exclusive = (statement: Statement, values: readonly unknown[]) =>
    pglite._runExclusiveTransaction(() => pglite._runExclusiveQuery(() => run(statement, values)));

  return {
    async query<Row>(statement: Statement, values: readonly unknown[]) {
      await pglite._checkReady();
      let messages: BackendMessage[];
      try {
        messages = await exclusive(statement, values);
      } catch (error) {
        // The session no longer holds the statement as prepared (DEALLOCATE, DISCARD), or DDL
        // changed its result type: both refuse it before it runs, so prepare it again, once.
        if (!STALE_STATEMENT.has((error as { code?: unknown }).code as string)) throw error;
        prepared.delete(statement.name);
        messages = await exclusive(statement, values);
      }
      await pglite.syncToFs();
      return (parse.parseResults(messages, pglite.parsers)[0]?.rows ?? []) as Row[];
    },
  };
}

/** 26000 invalid_sql_statement_name, 0A000 "cached plan must not change result type". */
const STALE_STATEMENT = new Set(['26000', '0A000']);

/** A parameter as PGlite's own query sends it: its type's serializer (dates, arrays, bytes, JSON …), or its text. */
function serialize(pglite: PGlite, value: unknown, oid: number | undefined): string | null {
  if (value === null || value === undefined) return null;
  const serializer = oid === undefined ? undefined : pglite.serializers[oid];
  if (serializer) return serializer(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new TypeError(`no serializer for a parameter of type ${oid ?? 'unknown'}`);
}
