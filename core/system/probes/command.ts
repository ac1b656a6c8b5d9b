// Command probe: the user's program (argv, no shell) runs once per interval with WAN, DEVICE, SOURCE, TARGET; exit 0 in time is good.
import { execa } from 'execa';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { describeError, probeLoop } from './timing.ts';
import { sourceFor } from './target.ts';

const STDERR_KEEP = 300;

/**
 * Runs `spec.command` every interval in its own process group; at the timeout (or stop()) the whole group is killed,
 * so a script's children go too. A round whose previous run is still going is skipped and reported as failed.
 */
export function startCommandProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const argv = spec.command;
  if (!argv || argv.length === 0)
    throw new Error(`command probe of ${spec.target}: a command is required (probes[].command)`);
  const [file, ...args] = argv;
  // SOURCE is the WAN's address of the target's family (its IPv6 one for an IPv6 target).
  const env = { WAN: ctx.wan, DEVICE: ctx.device, SOURCE: sourceFor(spec.target, ctx), TARGET: spec.target };
  let running: { kill(): void } | undefined;

  return probeLoop(spec.target, spec.method, ctx, onSample, (attempt) => {
    if (running) {
      attempt.fail('skipped: the previous run is still going');
      return;
    }
    const child = execa(file, args, {
      env,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      detached: true,
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk;
    });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const self = { kill: killGroup };
    running = self;
    const settle = (code: number | null, signal: string | null, cause?: unknown): void => {
      if (running === self) running = undefined;
      // The group may still hold children that outlived the command: they have no business running on.
      killGroup();
      if (attempt.settled) return;
      if (code === 0) {
        attempt.ok();
        return;
      }
      const why = code !== null ? `exit code ${code}` : signal ? `killed by ${signal}` : describeError(cause);
      const tail = stderr.trim().split('\n')[0]?.slice(0, 200);
      attempt.fail(`${argv.join(' ')}: ${why}${tail ? `: ${tail}` : ''}`);
    };
    // 'exit' comes as soon as the process is gone (the promise also waits for its pipes to close); the promise
    // covers a program that could not be started at all.
    child.once('exit', (code, signal) => settle(code, signal));
    void child.then((r) => {
      if (r.failed && r.exitCode === undefined && !r.signal) settle(null, null, r.cause ?? r.message);
    });
    // Settled (timeout, stop) before it ended: kill it; `running` clears when it has really exited.
    return () => {
      if (child.exitCode === null && child.signalCode === null) killGroup();
    };
  });
}
