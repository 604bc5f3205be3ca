import type { PrismaClient } from './generated/client.js';
import { Prisma } from './generated/client.js';

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

export class UserStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { email } });
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
