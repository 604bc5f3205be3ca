// What every command shares: a failure as one line, and output for people or (--json) scripts.

/** A failure the user can act on: printed as one line on stderr, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command already said everything (e.g. `invalid: …`); only the exit code is left. */
export class ExitCode extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitCode';
  }
}

export interface Io {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface JsonOption {
  json?: boolean;
}

/** `--json`: the machine-readable value on one line; otherwise the human lines. */
export function emit(io: Io, options: JsonOption, value: unknown, human: () => string[]): void {
  if (options.json) io.stdout(`${JSON.stringify(value)}\n`);
  else io.stdout(`${human().join('\n')}\n`);
}

/** Fixed-width columns for list output. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}
