import { Command, CommanderError } from 'commander';
import { registerClientCommands } from './clients.js';
import { registerKeyCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { CliError, ExitCode, type Io } from './output.js';
import { registerRoleCommands } from './roles.js';
import { registerTokenCommands } from './token.js';
import { registerUserCommands } from './users.js';

// Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error.
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(io: Io): Command {
  const program = new Command('latchkey')
    .description('Latchkey administration: users, sessions, signing keys, clients, roles, tokens, migrations')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`latchkey: ${message.replace(/^error: /, '').trim()}\n`),
    })
    .showSuggestionAfterError();
  registerUserCommands(program, io);
  registerKeyCommands(program, io);
  registerClientCommands(program, io);
  registerRoleCommands(program, io);
  registerTokenCommands(program, io);
  registerMigrateCommand(program, io);
  return program;
}

/** Runs one command line; resolves with the process exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.exitCode;
    if (error instanceof CommanderError) {
      // Commander already printed its one line (or the help text).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.stderr(`latchkey: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`latchkey: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
