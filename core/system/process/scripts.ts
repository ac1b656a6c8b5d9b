// Runs a user script (argv, environment, time limit) without ever blocking the daemon.
import { execa } from 'execa';
import type { Readable } from 'node:stream';

export interface ScriptResult {
  /** The exit code, or null when the script was ended by a signal or could not be started. */
  exitCode: number | null;
  signal: string | null;
  /** True when the script was still running at its limit and had to be killed. */
  timedOut: boolean;
  ms: number;
  /** The first OUTPUT_CAP bytes of stderr (or why the script could not start). */
  stderr: string;
  /** The first OUTPUT_CAP bytes of stdout. */
  stdout?: string;
}

/** How much of each output stream is kept; the rest is read and dropped so the script never blocks on a full pipe. */
export const OUTPUT_CAP = 4096;
/** Time between SIGTERM and SIGKILL for a script that ignores SIGTERM. */
export const KILL_GRACE_MS = 1000;
/** After the script itself exits, how long its descendants may keep its output open before we stop reading. */
const CLOSE_GRACE_MS = 100;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment a script gets: PATH (and HOME, LANG when the daemon has them), then `env`; nothing else leaks. */
export function scriptEnvironment(
  env: Record<string, string>,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const base: Record<string, string> = { PATH: parent.PATH || DEFAULT_PATH };
  for (const key of ['HOME', 'LANG'] as const) if (parent[key]) base[key] = parent[key]!;
  return { ...base, ...env };
}

function capture(stream: Readable | null | undefined): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    if (size < OUTPUT_CAP) chunks.push(chunk.subarray(0, OUTPUT_CAP - size));
    size += chunk.length;
  });
  stream?.on('error', () => undefined);
  return () =>
    Buffer.concat(chunks).toString('utf8') + (size > OUTPUT_CAP ? `\n[${size - OUTPUT_CAP} more bytes dropped]` : '');
}

/** Signals the script's whole process group (it was started as a group leader), so its children die too. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is already gone */
  }
}

/**
 * Runs `file` (no shell, no arguments) with exactly `scriptEnvironment(env)`, stdin closed. At `timeoutMs` (or when
 * `signal` aborts) the process group gets SIGTERM, then SIGKILL KILL_GRACE_MS later. Never rejects: a script that
 * cannot start resolves with exitCode null and the reason in stderr.
 */
export async function runScript(
  file: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ScriptResult> {
  const started = performance.now();
  const sub = execa(file, [], {
    env: scriptEnvironment(env),
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    detached: true,
    cleanup: false,
    reject: false,
  });
  const stdout = capture(sub.stdout);
  const stderr = capture(sub.stderr);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (killTimer) return;
    killGroup(sub.pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(sub.pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const limit = setTimeout(() => {
    timedOut = true;
    terminate();
  }, timeoutMs);
  const onAbort = () => terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) terminate();

  const ended = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    let exited: { code: number | null; signal: string | null } | undefined;
    sub.once('close', (code, sig) => resolve(exited ?? { code, signal: sig }));
    sub.once('exit', (code, sig) => {
      exited = { code, signal: sig };
      // A background child may hold the pipes open: stop waiting for them shortly after the script itself is gone.
      setTimeout(() => {
        sub.stdout?.destroy();
        sub.stderr?.destroy();
        resolve(exited!);
      }, CLOSE_GRACE_MS);
    });
    // execa resolves (never rejects, reject: false); a spawn failure (ENOENT, EACCES) has no exit event.
    sub.then(
      (r) => {
        if (r.failed && r.exitCode === undefined && !r.signal)
          resolve({ code: null, signal: null, error: r.originalMessage || r.shortMessage });
      },
      (error: Error) => resolve({ code: null, signal: null, error: error.message }),
    );
  });
  clearTimeout(limit);
  killTimer?.unref(); // once terminated, stragglers of the group still get their SIGKILL
  signal?.removeEventListener('abort', onAbort);
  return {
    exitCode: ended.code,
    signal: ended.signal,
    timedOut,
    ms: Math.round(performance.now() - started),
    stderr: ended.error ?? stderr(),
    stdout: stdout(),
  };
}
