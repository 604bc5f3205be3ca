import type { Command } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from './admin-options.js';
import { CliError, type Io, emit, table } from './output.js';

interface KeyView {
  kid: string;
  alg: string;
  state: string;
  createdAt: string;
  activatesAt: string;
  retiresAt: string | null;
}

interface RotatedKey {
  kid: string;
  alg: string;
  state: string;
}

export function registerKeyCommands(program: Command, io: Io): void {
  const keys = program.command('keys').description('signing keys: list, rotate, revoke');

  withAdminOptions(keys.command('list').description('every signing key with its state and schedule')).action(
    async (options: AdminOptions) => {
      const body = await adminClient(io, options).get<{ keys: KeyView[] }>('/admin/keys');
      emit(io, options, body, () =>
        table([
          ['KID', 'ALG', 'STATE', 'ACTIVATES', 'RETIRES'],
          ...body.keys.map((k) => [k.kid, k.alg, k.state, k.activatesAt, k.retiresAt ?? '-']),
        ]),
      );
    },
  );

  withAdminOptions(keys.command('rotate').description('create the next key: pre-published, or signing at once with --now'))
    .option('--now', 'the new key signs at once and the current one retires')
    .action(async (options: AdminOptions & { now?: boolean }) => {
      const key = await adminClient(io, options).post<RotatedKey>('/admin/keys/rotate', { now: options.now === true });
      emit(io, options, key, () => [
        key.state === 'active'
          ? `rotated: ${key.alg} key ${key.kid} signs now; the previous key is retired`
          : `rotated: ${key.alg} key ${key.kid} is ${key.state} (in the JWKS now, signs after KEY_PREPUBLISH)`,
      ]);
    });

  withAdminOptions(keys.command('revoke').description('emergency: the key leaves the JWKS now and its tokens are rejected'))
    .argument('<kid>', 'key id (see keys list)')
    // A kid is base64url and may begin with "-" (1 key in 64): taken as the argument, not an option.
    .allowUnknownOption()
    .action(async (kid: string, options: AdminOptions) => {
      if (kid.startsWith('--')) throw new CliError(`unknown option '${kid}'`, 2); // a usage error
      const body = await adminClient(io, options).post<{ kid: string; state: string }>(
        `/admin/keys/${encodeURIComponent(kid)}/revoke`,
      );
      emit(io, options, body, () => [`revoked key ${body.kid}`]);
    });
}
