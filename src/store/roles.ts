import { Prisma, type PrismaClient } from './generated/client.js';
import { type SecurityEvent, securityEventRow } from './security-events.js';
import type { Grants } from './sessions.js';
import { type SqlRunner, defineStatement } from './sql.js';

export interface RoleRecord {
  name: string;
  description: string | null;
  permissions: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** What some users' tokens would carry after a change: every distinct set of roles, with the permissions it gives. */
export type GrantSets = Grants[];

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

// Role changes are serialised by one advisory lock, so the 4 KiB check of one change sees the
// result of every other (two assignments that fit alone cannot together exceed the limit).
const ROLE_CHANGE_LOCK_ID = 0x6c6b_726f; // "lkro"

const GRANTS_OF_USER = defineStatement(
  'latchkey_grants_of_user',
  `SELECT role_names AS roles, permissions FROM users WHERE id = $1::uuid`,
);

export class RoleStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
    private readonly usesAdvisoryLocks: boolean,
  ) {}

  /** A user's roles and the union of their permissions (login; refresh reads them in its own statement). */
  async grantsOf(userId: string): Promise<Grants> {
    const rows = await this.sql.query<Grants>(GRANTS_OF_USER, [userId]);
    return rows[0] ?? { roles: [], permissions: [] };
  }

  /** Every scope value in use: the roles' permissions and the clients' scopes (RFC 8414 scopes_supported). */
  async allScopes(): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ scope: string }[]>`
      SELECT DISTINCT p AS scope FROM (SELECT unnest(permissions) AS p FROM roles
                                       UNION SELECT unnest(scopes) FROM clients) all_scopes ORDER BY 1`;
    return rows.map((r) => r.scope);
  }

  find(name: string): Promise<RoleRecord | null> {
    return this.prisma.role.findUnique({ where: { name } });
  }

  list(): Promise<RoleRecord[]> {
    return this.prisma.role.findMany({ orderBy: { name: 'asc' } });
  }

  /**
   * Creates or replaces a role. `check` sees what the tokens of every user holding it would carry
   * afterwards and throws to refuse; the write happens only if it returns. Returns whether the role is new.
   */
  async put(
    role: { name: string; description: string | null; permissions: string[] },
    check: (after: GrantSets) => void,
    now: Date,
    event: SecurityEvent,
  ): Promise<{ created: boolean; role: RoleRecord }> {
    return this.locked(async (tx) => {
      check(await grantSetsAfter(tx, { roleHolders: role.name }, role));
      const existing = await tx.role.findUnique({ where: { name: role.name }, select: { name: true } });
      const saved = await tx.role.upsert({
        where: { name: role.name },
        create: { ...role, createdAt: now, updatedAt: now },
        update: { description: role.description, permissions: role.permissions, updatedAt: now },
      });
      await refreshUserGrants(tx, { holding: role.name });
      await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return { created: !existing, role: saved };
    });
  }

  /** Deletes a role and, by cascade, every assignment of it. False when there was none. */
  async delete(name: string, now: Date, event: SecurityEvent): Promise<boolean> {
    return this.locked(async (tx) => {
      const holders = (await tx.userRole.findMany({ where: { roleName: name }, select: { userId: true } })).map((r) => r.userId);
      const { count } = await tx.role.deleteMany({ where: { name } });
      if (!count) return false;
      await refreshUserGrants(tx, { users: holders });
      await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return true;
    });
  }

  /**
   * Replaces a user's roles. Returns `no_user`, or the names that are not roles (nothing
   * written), or the new grants; `check` may refuse them by throwing (nothing written).
   */
  async setUserRoles(
    userId: string,
    roles: string[],
    check: (after: Grants) => void,
    now: Date,
    event: SecurityEvent,
  ): Promise<{ outcome: 'no_user' } | { outcome: 'unknown_roles'; unknown: string[] } | { outcome: 'set'; grants: Grants }> {
    return this.locked(async (tx) => {
      if (!(await tx.user.count({ where: { id: userId } }))) return { outcome: 'no_user' as const };
      const found = await tx.role.findMany({ where: { name: { in: roles } } });
      const known = new Set(found.map((r) => r.name));
      const unknown = roles.filter((r) => !known.has(r));
      if (unknown.length) return { outcome: 'unknown_roles' as const, unknown };
      const grants: Grants = {
        roles: [...roles].sort(),
        permissions: [...new Set(found.flatMap((r) => r.permissions))].sort(),
      };
      check(grants);
      await tx.userRole.deleteMany({ where: { userId } });
      if (roles.length) await tx.userRole.createMany({ data: roles.map((roleName) => ({ userId, roleName })) });
      await refreshUserGrants(tx, { users: [userId] });
      await tx.securityEvent.create({ data: securityEventRow(event, now) });
      return { outcome: 'set' as const, grants };
    });
  }

  private locked<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      if (this.usesAdvisoryLocks) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ROLE_CHANGE_LOCK_ID})`;
      return work(tx);
    });
  }
}

/**
 * Recomputes the role names and permissions kept on user rows (what the refresh statement reads)
 * from the assignments, for the given users or every holder of a role. Runs in the change's
 * transaction, so no refresh ever sees the assignments and the kept copy disagree.
 */
async function refreshUserGrants(tx: Tx, which: { users: string[] } | { holding: string }): Promise<void> {
  const grants = Prisma.sql`
    role_names = ARRAY(SELECT ur.role_name::text FROM user_roles ur WHERE ur.user_id = u.id ORDER BY 1),
    permissions = ARRAY(SELECT DISTINCT p FROM user_roles ur JOIN roles r ON r.name = ur.role_name, unnest(r.permissions) p
                         WHERE ur.user_id = u.id ORDER BY 1)`;
  if ('users' in which) {
    if (which.users.length === 0) return;
    await tx.$executeRaw`UPDATE users u SET ${grants} WHERE u.id = ANY(${which.users}::uuid[])`;
  } else {
    await tx.$executeRaw`UPDATE users u SET ${grants} WHERE u.id IN (SELECT user_id FROM user_roles WHERE role_name = ${which.holding})`;
  }
}

/**
 * Every distinct role set among the users holding `roleHolders`, with the permissions each
 * would give once `replaced` takes that role's place. Users with the same roles get the same
 * claims, so this is bounded by the number of role combinations, not of users.
 */
async function grantSetsAfter(
  tx: Tx,
  { roleHolders }: { roleHolders: string },
  replaced: { name: string; permissions: string[] },
): Promise<GrantSets> {
  const combos = await tx.$queryRaw<{ roles: string[] }[]>`
    SELECT DISTINCT ARRAY(SELECT x.role_name::text FROM user_roles x WHERE x.user_id = ur.user_id ORDER BY 1) AS roles
      FROM user_roles ur WHERE ur.role_name = ${roleHolders}`;
  if (!combos.length) return [{ roles: [replaced.name], permissions: [...replaced.permissions].sort() }];
  const names = [...new Set(combos.flatMap((c) => c.roles))];
  const roles = new Map((await tx.role.findMany({ where: { name: { in: names } } })).map((r) => [r.name, r.permissions]));
  roles.set(replaced.name, replaced.permissions);
  return combos.map((c) => ({
    roles: c.roles,
    permissions: [...new Set(c.roles.flatMap((r) => roles.get(r) ?? []))].sort(),
  }));
}
