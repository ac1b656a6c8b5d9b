// Builds mwanctl's argument parser (commander) from the command texts in cli-spec.ts and the handlers in commands.ts.
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMAND_SPECS, GLOBAL_FLAGS, PROGRAM, type FlagSpec } from './cli-spec.ts';
import type { CommandArgs } from './command-args.ts';

/** The package's version (package.json sits one level above cli/, beside the bundle's folder too). */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** `--confirm`: a whole number of seconds, 1-3600 (kept as the string the handler gets). */
function confirmSeconds(value: string): string {
  const n = Number(value);
  if (!(/^\d+$/.test(value) && n >= 1 && n <= 3600))
    throw new InvalidArgumentError('expected a number of seconds (1-3600).');
  return value;
}

/** `--type`: event name globs, repeatable and comma-separated. */
function eventGlobs(value: string, previous: string[] = []): string[] {
  const globs = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const bad = globs.find((g) => !/^[A-Za-z0-9_.*?-]{1,64}$/.test(g));
  if (!globs.length || bad !== undefined)
    throw new InvalidArgumentError('expected event name globs such as wan.* or probe.result.');
  return [...previous, ...globs];
}

const PARSERS: Record<string, (value: string, previous: string[]) => unknown> = {
  '--confirm <seconds>': confirmSeconds,
  '--type <glob>': eventGlobs,
};

function option(spec: FlagSpec): Option {
  const o = new Option(spec.flags, spec.help);
  const parse = PARSERS[spec.flags];
  if (parse) o.argParser(parse as (value: string, previous: unknown) => unknown);
  if (spec.choices) o.choices(spec.choices);
  return o;
}

/** Words of `text` in lines of at most `width` characters. */
function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    if (lines.length && lines[lines.length - 1].length + word.length < width) lines[lines.length - 1] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Prints commander's messages as one line: `mwanctl: unknown option '--x'`. */
const outputError = (message: string, write: (s: string) => void) =>
  write(
    `mwanctl: ${message
      .replace(/^error: /, '')
      .trim()
      .replace(/\s*\n\s*/g, ' ')}\n`,
  );

/**
 * The program. `run(name, args)` runs a command's handler; the exit code it returns ends up in `result.code`.
 * Parse errors throw CommanderError (exitOverride): the caller maps them to exit status 2.
 */
export function buildProgram(
  run: (name: string, args: CommandArgs) => Promise<number>,
  result: { code: number },
): Command {
  const program = new Command(PROGRAM.name)
    .description(`${PROGRAM.summary}\n\n${PROGRAM.description}`)
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({ outputError })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nExit status:\n  ${wrapText(PROGRAM.exitStatus, 78).join('\n  ')}\n\nRun \`mwanctl COMMAND --help\` for a command's flags.`,
    );
  for (const f of GLOBAL_FLAGS) program.addOption(option(f));
  program.helpCommand('help [command]', 'print the help of a command');
  for (const spec of COMMAND_SPECS) {
    const cmd = program
      .command(spec.name)
      .summary(spec.summary)
      .description(
        `${spec.summary}${spec.details ? `\n\n${spec.details}` : ''}${spec.root ? '\n\nNeeds root (CAP_NET_ADMIN).' : ''}`,
      );
    for (const a of spec.args ?? []) {
      const arg = new Argument(a.name, a.help);
      if (a.choices) arg.choices(a.choices);
      cmd.addArgument(arg);
    }
    for (const f of spec.flags ?? []) cmd.addOption(option(f));
    cmd.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      result.code = await run(spec.name, { ...self.optsWithGlobals(), args: self.args });
    });
  }
  return program;
}

/** The exit status of a parse that ended early: 0 for --help and --version, 2 for every usage error. */
export function usageExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : 2;
}

export { CommanderError };
