import { runCli } from './program.js';

// The `latchkey` command (bin/latchkey.mjs, `npm run migrate`): a thin client of the admin API.
const io = {
  env: process.env,
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
};

process.exitCode = await runCli(process.argv.slice(2), io);
