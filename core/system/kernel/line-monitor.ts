// Runs a long-lived monitor (`ip monitor`, `nft monitor`) tied to the daemon's life and hands its output over in whole lines.
import { execa } from 'execa';
import { tiedArgv } from '../process/tied-spawn.ts';

/**
 * Spawns `argv` (with the parent-death signal set: a `kill -9` of the daemon leaves no monitor behind) and calls
 * `onLines` with the complete lines of each chunk it prints; returns a function that stops it.
 */
export function monitorLines(argv: string[], onLines: (lines: string[]) => void): () => void {
  const [file, ...args] = tiedArgv(argv);
  const child = execa(file, args, { buffer: false, reject: false, stdin: 'ignore', stderr: 'ignore' });
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length) onLines(lines);
  });
  child.catch(() => undefined);
  return () => {
    child.kill('SIGTERM');
  };
}
