import type { Command } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from './admin-options.js';
import { collect } from './clients.js';
import { CliError, type Io, emit, table } from './output.js';

interface RoleView {
  name: string;
  permissions: string[];
  description: string | null;
}

export function registerRoleCommands(program: Command, io: Io): void {
  const roles = program.command('roles').description('roles: named sets of permissions carried in access tokens');

  withAdminOptions(roles.command('set').description('create or replace a role'))
    .argument('<name>', 'role name')
    .option('--permission <permission>', 'a permission (scope token) of the role (repeatable)', collect)
    .option('--description <text>', 'what the role is for')
    .action(async (name: string, options: AdminOptions & { permission?: string[]; description?: string }) => {
      const role = await adminClient(io, options).put<RoleView>(`/admin/roles/${encodeURIComponent(name)}`, {
        permissions: options.permission ?? [],
        ...(options.description !== undefined && { description: options.description }),
      });
      emit(io, options, role, () => [`role ${role.name}: ${role.permissions.join(' ') || '(no permissions)'}`]);
    });

  withAdminOptions(roles.command('list').description('every role with its permissions')).action(async (options: AdminOptions) => {
    const body = await adminClient(io, options).get<{ roles: RoleView[] }>('/admin/roles');
    emit(io, options, body, () =>
      body.roles.length === 0
        ? ['no roles']
        : table([['ROLE', 'PERMISSIONS'], ...body.roles.map((r) => [r.name, r.permissions.join(' ') || '-'])]),
    );
  });

  withAdminOptions(roles.command('delete').description('delete a role (users holding it lose it at their next refresh)'))
    .argument('<name>', 'role name')
    .action(async (name: string, options: AdminOptions) => {
      await adminClient(io, options).delete(`/admin/roles/${encodeURIComponent(name)}`);
      emit(io, options, { name, deleted: true }, () => [`deleted role ${name}`]);
    });

  // `latchkey users roles`: lives here with the other role commands.
  const users = program.commands.find((c) => c.name() === 'users') ?? program.command('users');
  withAdminOptions(users.command('roles').description("replace a user's roles (no --role: none)"))
    .requiredOption('--email <email>', 'email address of the user')
    .option('--role <role>', 'a role to give (repeatable)', collect)
    .action(async (options: AdminOptions & { email: string; role?: string[] }) => {
      const admin = adminClient(io, options);
      const user = await admin.get<{ id: string; email: string }>(
        `/admin/users?${new URLSearchParams({ email: options.email })}`,
      );
      if (!user?.id) throw new CliError(`no user with email ${options.email}`);
      const body = await admin.put<{ id: string; roles: string[]; permissions: string[] }>(
        `/admin/users/${encodeURIComponent(user.id)}/roles`,
        { roles: options.role ?? [] },
      );
      emit(io, options, { ...body, email: user.email }, () => [
        `${user.email}: roles ${body.roles.join(' ') || '(none)'}; permissions ${body.permissions.join(' ') || '(none)'}`,
      ]);
    });
}
