import type { PrismaClient } from './generated/client.js';
import { Prisma } from './generated/client.js';
import { type SqlRunner, defineStatement } from './sql.js';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
  /** Set while an operator has disabled the account. */
  disabledAt: Date | null;
}

/** What the admin API shows of a user: never the hash. */
export interface UserSummary {
  id: string;
  email: string;
  createdAt: Date;
  disabledAt: Date | null;
}

/** Keyset position in the stable (createdAt, id) order of the user list. */
export interface UserListPosition {
  createdAt: Date;
  id: string;
}

export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
  }
}

const FIND_BY_EMAIL = defineStatement(
  'latchkey_find_user_by_email',
  `SELECT id::text AS "id", email, password_hash AS "passwordHash", created_at AS "createdAt",
          disabled_at AS "disabledAt" FROM users WHERE email = $1`,
);

export class UserStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  /** Every login asks this: a prepared statement (src/store/sql.ts). */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows = await this.sql.query<UserRecord>(FIND_BY_EMAIL, [email]);
    return rows[0] ?? null;
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  /** One page of users in a stable order (createdAt, then id), after `after` when given. */
  listPage(input: { after?: UserListPosition; limit: number }): Promise<UserSummary[]> {
    const { after, limit } = input;
    return this.prisma.user.findMany({
      where: after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {},
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: { id: true, email: true, createdAt: true, disabledAt: true },
    });
  }

  /** Throws EmailTakenError when the (normalised) email exists: the unique index decides, not a pre-check. */
  async create(email: string, passwordHash: string, now: Date): Promise<UserRecord> {
    try {
      return await this.prisma.user.create({ data: { email, passwordHash, createdAt: now } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new EmailTakenError();
      throw error;
    }
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash } });
  }
}
