import { type Command, InvalidArgumentError } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from './admin-options.js';
import type { AdminClient } from './http-client.js';
import { type Io, emit, table } from './output.js';

interface CreatedUser {
  id: string;
  email: string;
}

interface FoundUser extends CreatedUser {
  createdAt: string;
}

interface ListedUser extends FoundUser {
  disabled: boolean;
}

interface UserPage {
  users: ListedUser[];
  next_cursor: string | null;
}

type ByEmail = AdminOptions & { email: string };

/** The admin API addresses users by id; people know them by email. */
async function findByEmail(admin: AdminClient, email: string): Promise<FoundUser> {
  return admin.get<FoundUser>(`/admin/users?${new URLSearchParams({ email })}`);
}

const userPath = (user: FoundUser, action = '') => `/admin/users/${encodeURIComponent(user.id)}${action}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

/** A command on one user, named by `--email`: `act` gets the admin client and the user found. */
function userCommand(
  users: Command,
  io: Io,
  name: string,
  description: string,
  act: (admin: AdminClient, user: FoundUser, options: ByEmail) => Promise<void>,
): void {
  withAdminOptions(users.command(name).description(description))
    .requiredOption('--email <email>', 'email address of the user')
    .action(async (options: ByEmail) => {
      const admin = adminClient(io, options);
      await act(admin, await findByEmail(admin, options.email), options);
    });
}

export function registerUserCommands(program: Command, io: Io): void {
  const users = program.command('users').description('user accounts and their sessions');

  withAdminOptions(users.command('create').description('create a user (works when public registration is off)'))
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--password <password>', 'password (8–128 characters, not a common one)')
    .action(async (options: AdminOptions & { email: string; password: string }) => {
      const user = await adminClient(io, options).post<CreatedUser>('/admin/users', {
        email: options.email,
        password: options.password,
      });
      emit(io, options, user, () => [`created user ${user.email} (id ${user.id})`]);
    });

  userCommand(
    users,
    io,
    'revoke-sessions',
    'end every session of a user; their access tokens fail /auth/me at once',
    async (admin, user, options) => {
      const { revoked } = await admin.post<{ revoked: number }>(userPath(user, '/revoke-sessions'));
      emit(io, options, { id: user.id, email: user.email, revoked }, () => [
        `revoked ${plural(revoked, 'session')} of ${user.email}`,
      ]);
    },
  );

  withAdminOptions(users.command('list').description('list users, oldest first (follows every page)'))
    .option('--limit <n>', 'list at most this many users', positiveInteger)
    .action(async (options: AdminOptions & { limit?: number }) => {
      const admin = adminClient(io, options);
      const listed: ListedUser[] = [];
      let cursor: string | null = null;
      do {
        const pageSize = Math.min(100, (options.limit ?? Infinity) - listed.length);
        const query: URLSearchParams = new URLSearchParams({ limit: String(pageSize), ...(cursor && { cursor }) });
        const page: UserPage = await admin.get<UserPage>(`/admin/users?${query}`);
        listed.push(...page.users);
        cursor = page.next_cursor;
      } while (cursor && listed.length < (options.limit ?? Infinity));
      emit(io, options, { users: listed }, () =>
        listed.length === 0
          ? ['no users']
          : table([
              ['ID', 'EMAIL', 'CREATED', 'STATUS'],
              ...listed.map((u) => [u.id, u.email, u.createdAt, u.disabled ? 'disabled' : 'active']),
            ]),
      );
    });

  userCommand(
    users,
    io,
    'reset-password',
    'issue a single-use password reset token (15 minutes) for you to deliver to the user',
    async (admin, user, options) => {
      const reset = await admin.post<{ reset_token: string; expiresAt: string }>(userPath(user, '/password-reset'));
      emit(io, options, { id: user.id, email: user.email, ...reset }, () => [
        `reset token for ${user.email} (single use, valid until ${reset.expiresAt}):`,
        reset.reset_token,
      ]);
    },
  );

  userCommand(
    users,
    io,
    'disable',
    'disable a user: every session ends; no login, refresh or reset until enabled',
    async (admin, user, options) => {
      const result = await admin.post<ListedUser & { revoked: number }>(userPath(user, '/disable'));
      emit(io, options, result, () => [`disabled ${user.email}; revoked ${plural(result.revoked, 'session')}`]);
    },
  );

  userCommand(users, io, 'enable', 'enable a disabled user again (ended sessions stay ended)', async (admin, user, options) => {
    const result = await admin.post<ListedUser>(userPath(user, '/enable'));
    emit(io, options, result, () => [`enabled ${user.email}`]);
  });

  userCommand(
    users,
    io,
    'delete',
    'delete a user with their sessions and tokens (security events keep the id)',
    async (admin, user, options) => {
      await admin.delete(userPath(user));
      emit(io, options, { id: user.id, email: user.email, deleted: true }, () => [`deleted ${user.email} (id ${user.id})`]);
    },
  );
}
