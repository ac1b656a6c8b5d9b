// Runs one command as an argv array (never a shell string) and turns a failure into an error naming the command and its stderr.
import { execa } from 'execa';
import { MwanError } from '../../errors.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}
export type Runner = (argv: string[], opts?: { input?: string; allowFailure?: boolean }) => Promise<RunResult>;

export const execaRunner: Runner = async (argv, opts = {}) => {
  const [file, ...args] = argv;
  const result = await execa(file, args, {
    input: opts.input,
    reject: false,
    timeout: 15000,
    stripFinalNewline: false,
  });
  const out = {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? -1,
  };
  if (out.exitCode !== 0 && !opts.allowFailure) {
    const cause = result.failed && result.exitCode === undefined ? String(result.shortMessage) : out.stderr.trim();
    throw new MwanError('MWAN_KERNEL_COMMAND', `command failed (exit ${out.exitCode}): ${argv.join(' ')}\n${cause}`);
  }
  return out;
};
