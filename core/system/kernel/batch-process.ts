// Starts a long-lived `ip … -batch -` helper for the ip sessions: tied to the daemon's life, unreferenced while idle, its output handed on as text.
import { type ChildProcess, spawn } from 'node:child_process';
import { tiedArgv } from '../process/tied-spawn.ts';

/**
 * Spawns `argv` (tied: SIGKILL when the daemon dies) with piped stdio. An idle session keeps no process alive (a
 * one-shot command exits); a pending batch's timer does. `stdout`/`stderr` get each chunk as UTF-8 text; a failing
 * write to a dead process is left to its 'close' event.
 */
export function startBatchProcess(
  argv: readonly string[],
  on: { stdout: (chunk: string) => void; stderr: (chunk: string) => void },
): ChildProcess {
  const [file, ...args] = tiedArgv(argv);
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
  child.stdout!.setEncoding('utf8').on('data', on.stdout);
  child.stderr!.setEncoding('utf8').on('data', on.stderr);
  child.stdin!.on('error', () => undefined);
  return child;
}
