// mwanctl: the command line — parses arguments, runs a command, maps errors to a message and an exit code.
import { parseArgs } from 'node:util';
import { PermissionDeniedError } from './control/client.ts';
import { MwanError, describeError } from '../core/errors.ts';
import { commands, USAGE } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      print: { type: 'boolean' },
      root: { type: 'string' },
      confirm: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...rest] = positionals;
  if (values.help || !name) { process.stdout.write(USAGE); return name || values.help ? 0 : 2; }
  const command = commands[name];
  if (!command) { process.stderr.write(`mwanctl: unknown command '${name}'\n\n${USAGE}`); return 2; }
  return command({ ...values, args: rest });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof PermissionDeniedError) { process.stderr.write(`${error.message}\n`); process.exitCode = 1; return; }
    const prefix = error instanceof MwanError ? `mwanctl: ${error.code}: ` : 'mwanctl: ';
    process.stderr.write(`${prefix}${describeError(error)}\n`);
    process.exitCode = error instanceof MwanError && error.code.startsWith('MWAN_CONFIG') ? 2 : 1;
  },
);
