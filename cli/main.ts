// mwanctl: the command line — parses arguments (cli/program.ts), runs a command, maps errors to a message and an exit code.
import { PermissionDeniedError } from './control/client.ts';
import { MwanError, describeError } from '../core/errors.ts';
import { commands } from './commands.ts';
import { buildProgram, CommanderError, usageExitCode } from './program.ts';

// A reader that went away (`mwanctl check | head -1`) ends mwanctl quietly: no stack trace for EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

async function main(argv: string[]): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram((name, args) => commands[name](args), result);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return usageExitCode(error);
    throw error;
  }
  return result.code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof PermissionDeniedError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const prefix = error instanceof MwanError ? `mwanctl: ${error.code}: ` : 'mwanctl: ';
    process.stderr.write(`${prefix}${describeError(error)}\n`);
    process.exitCode = error instanceof MwanError && error.code.startsWith('MWAN_CONFIG') ? 2 : 1;
  },
);
