import type { PrismaClient } from './generated/client.js';
import { Prisma } from './generated/client.js';
import { type SqlRunner, defineStatement } from './sql.js';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
  }
}

const FIND_BY_EMAIL = defineStatement(
  'latchkey_find_user_by_email',
  `SELECT id::text AS "id", email, password_hash AS "passwordHash", created_at AS "createdAt" FROM users WHERE email = $1`,
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
