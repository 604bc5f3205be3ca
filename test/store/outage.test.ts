import { describe, expect, it } from 'vitest';
import { dependencyOutage } from '../../src/store/outage.js';

// Which database errors are a dependency outage (503 + Retry-After, cookie kept) and which are
// bugs (500). The shapes are the drivers' own: pg's DatabaseError (SQLSTATE in `code`), Node's
// socket errors, pg's and PGlite's code-less messages, Prisma's wrappers around all of them.

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const prismaError = (code: string, cause?: object) =>
  Object.assign(new Error('Invalid `prisma.x()` invocation'), {
    code,
    meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : {},
  });

describe('dependencyOutage', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'unreachable',
    ],
    ['refused on every address', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), 'unreachable'],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly'), 'unreachable'],
    ['PostgreSQL shutting down (57P01)', pgError('57P01', 'terminating connection due to administrator command'), 'unreachable'],
    ['PostgreSQL starting up (57P03)', pgError('57P03', 'the database system is starting up'), 'unreachable'],
    ['too many connections (53300)', pgError('53300'), 'unreachable'],
    ['statement_timeout (57014)', pgError('57014', 'canceling statement due to statement timeout'), 'timeout'],
    ['lock_timeout (55P03)', pgError('55P03', 'canceling statement due to lock timeout'), 'timeout'],
    ['no pool connection in time', new Error('timeout exceeded when trying to connect'), 'timeout'],
    ['a deadlock (40P01)', pgError('40P01'), 'timeout'],
    ['a missing table (42P01)', pgError('42P01', 'relation "refresh_tokens" does not exist'), 'schema'],
    ['a missing column (42703)', pgError('42703'), 'schema'],
    ['PGlite closed', new Error('PGlite is closed'), 'unreachable'],
    [
      'Prisma: unreachable (P1001)',
      prismaError('P1001', { kind: 'DatabaseNotReachable', host: 'db', port: 5432 }),
      'unreachable',
    ],
    ['Prisma: table missing (P2021)', prismaError('P2021', { originalCode: '42P01', kind: 'TableDoesNotExist' }), 'schema'],
    [
      'Prisma raw: statement timeout',
      prismaError('P2010', { originalCode: '57014', kind: 'postgres', code: '57014' }),
      'timeout',
    ],
    ['Prisma: pool timeout (P2024)', prismaError('P2024'), 'timeout'],
  ])('%s is an outage (%s)', (_name, error, kind) => {
    expect(dependencyOutage(error)).toBe(kind);
  });

  it.each([
    ['a unique violation (23505)', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error (42601)', pgError('42601')],
    ['Prisma: unique constraint (P2002)', prismaError('P2002', { kind: 'UniqueConstraintViolation' })],
    ['Prisma raw: a bad parameter', prismaError('P2010', { originalCode: '22P02', kind: 'postgres', code: '22P02' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'boom'],
  ])('%s is not an outage: it stays a 500', (_name, error) => {
    expect(dependencyOutage(error)).toBeUndefined();
  });
});
