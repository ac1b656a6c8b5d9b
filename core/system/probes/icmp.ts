// ICMP echo probe: one long-lived iputils ping per target, bound to the WAN's address, its output turned into samples.
import { execa, type ResultPromise } from 'execa';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { parsePingLine, pingIntervalArg } from './ping-output.ts';
import { PingLedger, type LedgerSample } from './ping-ledger.ts';
import { tiedArgv } from '../process/tied-spawn.ts';
import { parseTarget, sourceFor } from './target.ts';

/** ping's -l: the token bucket then carries over the few ms its timer oversleeps, so the rate is exactly 1/interval. */
const PRELOAD = 2;
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];
/** A run this long (or one that got a reply) resets the restart backoff. */
const HEALTHY_RUN_MS = 10_000;

/** The argv of the ping process for one target. */
export function pingArgv(target: string, ctx: Pick<ProbeContext, 'source' | 'intervalMs'>): string[] {
  return [
    'ping',
    '-n',
    '-O',
    '-D',
    '-l',
    String(PRELOAD),
    '-i',
    pingIntervalArg(ctx.intervalMs),
    '-I',
    ctx.source,
    target,
  ];
}

/**
 * Runs `ping -n -O -D -l 2 -i <interval> -I <source> <target>` and reports each request once (see PingLedger).
 * If ping exits (for instance the address is not there yet), every interval reports a failure until it is started
 * again, after 250 ms, 500 ms … 5 s. Internally times are monotonic (performance.now), so a wall-clock step cannot
 * flood the verdicts; sentAt is converted to epoch ms when reported.
 */
export function startIcmpProbe(spec: ProbeConfig, ctx: ProbeContext, onSample: (s: ProbeSample) => void): Prober {
  const argv = pingArgv(parseTarget(spec.target).host, { ...ctx, source: sourceFor(spec.target, ctx) });
  const mono = (): number => performance.now();
  const toEpoch = (t: number): number => Math.round(Date.now() - (mono() - t));
  let stopped = false;
  let child: ResultPromise | undefined;
  let ledger: PingLedger | undefined;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let failures = 0;
  let stderrLine = { text: '', at: -Infinity };
  /** ping's latest complaint on stderr ("sendmsg: …"), while it is recent enough to explain a failure. */
  const note = (): string | undefined =>
    stderrLine.text && mono() - stderrLine.at <= 2 * ctx.intervalMs + ctx.timeoutMs ? stderrLine.text : undefined;

  const emit = (samples: LedgerSample[], extra?: string): void => {
    for (const s of samples) {
      if (stopped) return;
      const error = s.error === undefined ? undefined : extra && s.rttMs === null ? `${s.error}; ${extra}` : s.error;
      onSample(
        error === undefined
          ? { target: spec.target, method: spec.method, sentAt: toEpoch(s.sentAt), rttMs: s.rttMs }
          : { target: spec.target, method: spec.method, sentAt: toEpoch(s.sentAt), rttMs: null, error },
      );
    }
  };

  // Deadlines: when one passes, wait for the I/O phase (setImmediate) so replies already in the pipe count first.
  const arm = (): void => {
    clearTimeout(timer);
    if (stopped || !ledger) return;
    timer = setTimeout(
      () => {
        immediate = setImmediate(() => {
          if (stopped || !ledger) return;
          emit(ledger.due(mono()), note());
          arm();
        });
      },
      Math.max(0, ledger.nextDeadline() - mono()),
    );
  };

  const start = (): void => {
    if (stopped) return;
    const startedAt = mono();
    const own = new PingLedger({
      startAt: startedAt,
      intervalMs: ctx.intervalMs,
      timeoutMs: ctx.timeoutMs,
      preload: PRELOAD,
    });
    let answered = false;
    let banner = false; // ping prints "PING …" once its socket is ready: before that it has sent nothing
    ledger = own;
    stderrLine = { text: '', at: -Infinity };
    const [file, ...args] = tiedArgv(argv); // SIGKILL when the daemon dies (kept across ping's file capabilities: root's set already holds them)
    const proc = execa(file, args, {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      env: { LC_ALL: 'C' },
    });
    child = proc;
    let partial = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      if (stopped || ledger !== own) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      const now = mono();
      const age = Date.now() - now; // epoch − monotonic, to place -D timestamps on the monotonic clock
      for (const text of lines) {
        const line = parsePingLine(text);
        if (line.kind === 'other' && line.text.startsWith('PING ')) banner = true;
        if (line.kind !== 'other' && line.at !== undefined) line.at = Math.min(now, line.at - age);
        if (line.kind === 'reply') answered = true;
        emit(own.observe(line, now), note());
      }
      arm();
    });
    let errPartial = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      const lines = (errPartial + chunk).split('\n');
      errPartial = lines.pop() ?? '';
      const last = lines
        .map((l) => l.trim())
        .filter(Boolean)
        .pop();
      if (last) stderrLine = { text: last.slice(0, 200), at: mono() };
    });
    void proc.then((r) => {
      if (stopped || ledger !== own) return;
      if (answered || mono() - startedAt >= HEALTHY_RUN_MS) failures = 0;
      const delay = BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)];
      const how =
        r.exitCode !== undefined
          ? `exit code ${r.exitCode}`
          : r.signal
            ? `killed by ${r.signal}`
            : ((r.cause as Error | undefined)?.message ?? 'could not start');
      if (errPartial.trim()) stderrLine = { text: errPartial.trim().slice(0, 200), at: mono() };
      const why = `ping exited (${how})${stderrLine.text ? `: ${stderrLine.text}` : ''}`;
      // Without its banner ping sent nothing: one failure stands for the round it should have started.
      const { samples, nextSlot } = banner
        ? own.close(mono(), why)
        : { samples: [{ seq: 1, sentAt: startedAt, rttMs: null, error: why }], nextSlot: startedAt + ctx.intervalMs };
      ledger = undefined;
      clearTimeout(timer);
      emit(samples);
      restartLater(nextSlot, delay, why);
    });
    arm();
  };

  // While ping is down: one failure per interval on the old schedule, until the backoff has passed.
  const restartLater = (nextSlot: number, delay: number, why: string): void => {
    const restartAt = mono() + delay;
    let slot = nextSlot;
    const tick = (): void => {
      if (stopped) return;
      if (mono() >= restartAt - 1) {
        start();
        return;
      }
      emit([{ seq: 0, sentAt: slot, rttMs: null, error: `${why}; restarting` }]);
      slot += ctx.intervalMs;
      timer = setTimeout(tick, Math.max(0, slot - mono()));
    };
    timer = setTimeout(tick, Math.max(0, slot - mono()));
  };

  start();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      ledger = undefined;
      child?.kill('SIGKILL');
      child = undefined;
    },
  };
}
