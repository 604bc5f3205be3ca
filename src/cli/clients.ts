import { type Command, InvalidArgumentError } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from './admin-options.js';
import { type Io, emit, table } from './output.js';

interface ClientView {
  client_id: string;
  client_secret?: string;
  name: string;
  type: string;
  grant_types: string[];
  scopes: string[];
  audience: string;
  createdAt: string;
}

/** A repeatable flag (`--grant a --grant b`) collects into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

const seconds = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
};

const path = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

function describe(c: ClientView): string[] {
  return [
    `client_id:   ${c.client_id}`,
    `name:        ${c.name}`,
    `type:        ${c.type}`,
    `grant_types: ${c.grant_types.join(' ') || '-'}`,
    `scopes:      ${c.scopes.join(' ') || '-'}`,
    `audience:    ${c.audience}`,
    `created:     ${c.createdAt}`,
  ];
}

export function registerClientCommands(program: Command, io: Io): void {
  const clients = program.command('clients').description('registered OAuth clients: create, list, show, rotate-secret, delete');

  withAdminOptions(clients.command('create').description('register a client; a confidential client gets its secret once'))
    .requiredOption('--name <name>', 'what the client is')
    .requiredOption('--type <type>', 'confidential (has a secret) or public (native/CLI app)')
    .option('--grant <grant>', 'client_credentials or refresh_token (repeatable)', collect)
    .option('--scope <scope>', 'a permission this client may receive (repeatable)', collect)
    .option('--audience <audience>', 'aud of its client-credentials tokens (default ACCESS_TOKEN_AUDIENCE)')
    .action(
      async (options: AdminOptions & { name: string; type: string; grant?: string[]; scope?: string[]; audience?: string }) => {
        const created = await adminClient(io, options).post<ClientView>('/admin/clients', {
          name: options.name,
          type: options.type,
          grant_types: options.grant ?? [],
          scopes: options.scope ?? [],
          ...(options.audience !== undefined && { audience: options.audience }),
        });
        emit(io, options, created, () => [
          ...describe(created),
          ...(created.client_secret
            ? [`secret:      ${created.client_secret}`, 'store the secret now: it is not shown again']
            : []),
        ]);
      },
    );

  withAdminOptions(clients.command('list').description('every registered client (never a secret)')).action(
    async (options: AdminOptions) => {
      const body = await adminClient(io, options).get<{ clients: ClientView[] }>('/admin/clients');
      emit(io, options, body, () =>
        body.clients.length === 0
          ? ['no clients']
          : table([
              ['CLIENT_ID', 'TYPE', 'GRANTS', 'NAME'],
              ...body.clients.map((c) => [c.client_id, c.type, c.grant_types.join(',') || '-', c.name]),
            ]),
      );
    },
  );

  withAdminOptions(clients.command('show').description('one client'))
    .argument('<id>', 'client id')
    .action(async (id: string, options: AdminOptions) => {
      const client = await adminClient(io, options).get<ClientView>(path(id));
      emit(io, options, client, () => describe(client));
    });

  withAdminOptions(
    clients.command('rotate-secret').description('a new secret, shown once; --grace keeps the old one valid a while'),
  )
    .argument('<id>', 'client id')
    .option('--grace <seconds>', 'how long the previous secret keeps working (default 0: it stops now)', seconds)
    .action(async (id: string, options: AdminOptions & { grace?: number }) => {
      const body = await adminClient(io, options).post<{ client_id: string; client_secret: string }>(`${path(id)}/secret`, {
        ...(options.grace !== undefined && { grace: options.grace }),
      });
      emit(io, options, body, () => [
        `new secret for ${body.client_id}: ${body.client_secret}`,
        options.grace ? `the previous secret works for ${options.grace} more seconds` : 'the previous secret no longer works',
      ]);
    });

  withAdminOptions(
    clients.command('delete').description('delete a client: its refresh tokens stop working, its tokens show as revoked'),
  )
    .argument('<id>', 'client id')
    .action(async (id: string, options: AdminOptions) => {
      await adminClient(io, options).delete(path(id));
      emit(io, options, { client_id: id, deleted: true }, () => [`deleted client ${id}`]);
    });
}
