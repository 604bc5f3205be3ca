// Which database errors are a dependency outage: the request was fine, the database could not
// serve it now, and the same request will work once the database is back. The HTTP layer
// answers those with 503 temporarily_unavailable + Retry-After (CONTRACT "Errors"), never 500,
// and never touches the client's credentials (the refresh cookie stays). Everything else that
// goes wrong in the database (a constraint the code did not expect, a bad parameter) is a bug
// and stays a 500 server_error.
//
// The store is the only place that talks to the drivers, so it is the one place that knows
// their error shapes: pg's DatabaseError (SQLSTATE in `code`), Node socket errors (errno in
// `code`), pg's and pg-pool's connection messages (no code at all), PGlite's errors, and
// Prisma's wrappers of all of these (`meta.driverAdapterError.cause`).

/**
 * PostgreSQL SQLSTATEs (Appendix A) that mean "cannot serve now":
 * - 08 connection exception, 53 insufficient resources (too many connections, disk full),
 *   57P01-57P05 the server is shutting down, restarting or starting up, 58 system (I/O) error;
 * - 57014 query_canceled and 55P03 lock_not_available: our own statement_timeout and
 *   lock_timeout firing (DATABASE_TIMEOUT): the database stalled and we stopped waiting;
 * - 40001 serialization_failure, 40P01 deadlock_detected: retrying is the documented remedy;
 * - 28 invalid authorization, 3D000 database does not exist, 42P01 undefined table, 42703
 *   undefined column: the database is not the one this code expects (credentials rotated
 *   underneath, a migration half-way through a rolling deploy, a restore in progress). The
 *   client can do nothing about it and its credentials are as good as before, so it must not
 *   be told "server_error" and certainly not logged out; an operator fixes the database and
 *   the same request succeeds. These log at `error` level, so they are not silent.
 */
const OUTAGE_SQLSTATE = /^(08|53|57P0|58|28|57014$|55P03$|40001$|40P01$|3D000$|42P01$|42703$)/;

/** Node's socket errors: the database host is unreachable or the connection broke. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Prisma's own codes for the same situations: P1001 unreachable, P1002/P1008 timed out, P1003
 * database missing, P1017 connection closed, P2021/P2022 table/column missing, P2024 no pool
 * connection in time, P2028 transaction expired (a stall outlived it), P2034 write conflict.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1003', 'P1008', 'P1017', 'P2021', 'P2022', 'P2024', 'P2028', 'P2034']);

/** Prisma driver-adapter error kinds (`@prisma/driver-adapter-utils`) with the same meaning. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'ConnectionClosed',
  'TlsConnectionError',
  'TooManyConnections',
  'SocketTimeout',
  'TransactionWriteConflict',
  'TransactionAlreadyClosed',
  'TableDoesNotExist',
  'ColumnNotFound',
]);

/** What pg, pg-pool and PGlite say without any code when the connection is gone or never came. */
const CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|PGlite is closed)/;

export type OutageKind = 'unreachable' | 'timeout' | 'schema';

/**
 * Classifies an error from any store call: undefined when it is not a dependency outage.
 * `timeout` is our own bound firing or a conflict worth retrying (a stalled database),
 * `schema` a database that is not the one the code expects, `unreachable` the rest (down,
 * restarting, refusing connections). The deepest cause decides: it is the most precise.
 */
export function dependencyOutage(error: unknown): OutageKind | undefined {
  for (const e of [...causes(error)].reverse()) {
    const kind = classify(e);
    if (kind) return kind;
  }
  return undefined;
}

function classify(e: ErrorLike): OutageKind | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined;
  const state = typeof e.originalCode === 'string' ? e.originalCode : code;
  if (state && /^[0-9A-Z]{5}$/.test(state) && OUTAGE_SQLSTATE.test(state)) {
    if (/^(57014|55P03|40001|40P01)$/.test(state)) return 'timeout';
    if (/^(42P01|42703|3D000|28)/.test(state)) return 'schema';
    return 'unreachable';
  }
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) {
    if (/^(TableDoesNotExist|ColumnNotFound|DatabaseDoesNotExist)$/.test(e.kind)) return 'schema';
    if (/^(SocketTimeout|TransactionAlreadyClosed|TransactionWriteConflict)$/.test(e.kind)) return 'timeout';
    return 'unreachable';
  }
  if (code && PRISMA_CODES.has(code)) {
    if (/^(P2021|P2022|P1003)$/.test(code)) return 'schema';
    if (/^(P1002|P1008|P2024|P2028|P2034)$/.test(code)) return 'timeout';
    return 'unreachable';
  }
  if (code && SOCKET_CODES.has(code)) return code === 'ETIMEDOUT' ? 'timeout' : 'unreachable';
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) {
    return /timeout/i.test(e.message) ? 'timeout' : 'unreachable';
  }
  return undefined;
}

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  meta?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error, its causes, a Prisma error's driver-adapter cause and an AggregateError's members. */
function* causes(error: unknown, depth = 0): Generator<ErrorLike> {
  if (depth > 6 || typeof error !== 'object' || error === null) return;
  const e = error as ErrorLike;
  yield e;
  const adapter = (e.meta as { driverAdapterError?: { cause?: unknown } } | undefined)?.driverAdapterError;
  if (adapter) yield* causes(adapter.cause ?? adapter, depth + 1);
  if (e.cause !== undefined) yield* causes(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const member of e.errors) yield* causes(member, depth + 1);
}
