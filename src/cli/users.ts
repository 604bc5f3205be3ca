import type { Command } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from './admin-options.js';
import { type Io, emit } from './output.js';

interface CreatedUser {
  id: string;
  email: string;
}

interface FoundUser extends CreatedUser {
  createdAt: string;
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

  withAdminOptions(
    users.command('revoke-sessions').description('end every session of a user; their access tokens fail /auth/me at once'),
  )
    .requiredOption('--email <email>', 'email address of the user')
    .action(async (options: AdminOptions & { email: string }) => {
      const admin = adminClient(io, options);
      const user = await admin.get<FoundUser>(`/admin/users?${new URLSearchParams({ email: options.email })}`);
      const { revoked } = await admin.post<{ revoked: number }>(`/admin/users/${encodeURIComponent(user.id)}/revoke-sessions`);
      emit(io, options, { id: user.id, email: user.email, revoked }, () => [
        `revoked ${revoked} session${revoked === 1 ? '' : 's'} of ${user.email}`,
      ]);
    });
}
