import { type Command, InvalidArgumentError } from 'commander';
import { AdminClient } from './http-client.js';
import { CliError, type Io } from './output.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:3001';

export interface AdminOptions {
  url: URL;
  json?: boolean;
}

/** Options every command that calls the admin API takes. */
export function withAdminOptions(command: Command): Command {
  return command
    .option('--url <url>', `admin API of the running server (default: $LATCHKEY_ADMIN_URL or ${DEFAULT_ADMIN_URL})`, parseHttpUrl)
    .option('--json', 'print JSON for scripts');
}

/**
 * ADMIN_TOKEN from the environment is sent as the Bearer token when set. The admin URL is
 * `--url`, else LATCHKEY_ADMIN_URL (a server on another port, e.g. ADMIN_PORT=0 in scripts), else the default.
 */
export function adminClient(io: Io, options: Partial<AdminOptions>): AdminClient {
  return new AdminClient(options.url ?? adminUrlFromEnv(io.env.LATCHKEY_ADMIN_URL), io.env.ADMIN_TOKEN || undefined);
}

function adminUrlFromEnv(value: string | undefined): URL {
  if (!value) return new URL(DEFAULT_ADMIN_URL);
  try {
    return parseHttpUrl(value);
  } catch {
    throw new CliError('LATCHKEY_ADMIN_URL must be an http:// or https:// URL', 2); // a usage error
  }
}

export function parseHttpUrl(value: string): URL {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  return new URL(value);
}
