// Shared probe timing: a drift-free interval ticker and a loop that gives every probe exactly one sample within its timeout.
import type { ProbeContext, ProbeSample, Prober } from './types.ts';

interface Ticker {
  stop(): void;
}

/**
 * Calls `tick` now and then every `intervalMs`, on a fixed schedule (start + k × interval) so it does not drift.
 * Ticks the event loop was too late for are skipped, not bunched up.
 */
function startTicker(intervalMs: number, tick: () => void): Ticker {
  const t0 = performance.now();
  let k = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    tick();
    if (stopped) return;
    const now = performance.now();
    k = Math.max(k + 1, Math.ceil((now - t0) / intervalMs));
    timer = setTimeout(run, Math.max(0, t0 + k * intervalMs - now));
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One probe in flight: settle it once; later calls (a late answer after the timeout) are ignored. */
export interface Attempt {
  /** A good answer now: the sample's rtt is the elapsed time (a failure if that already exceeds the timeout). */
  ok(): void;
  fail(error: string): void;
  readonly settled: boolean;
}

/**
 * What a method does per probe: start it and settle `attempt` when the answer (or an error) comes.
 * Returns a cleanup (destroy the socket, kill the process) that runs once the attempt is settled or the prober stops.
 */
export type SendProbe = (attempt: Attempt) => (() => void) | void;

export interface LoopHooks {
  /** Runs once at stop(), after every attempt's cleanup (close a shared socket). */
  onStop?: () => void;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Sends one probe per interval through `send`; each gets exactly one sample: its answer, its error, or a timeout
 * failure `timeoutMs` after it was sent. After stop() every probe in flight is cleaned up and nothing is reported.
 */
export function probeLoop(
  target: string,
  method: string,
  ctx: ProbeContext,
  onSample: (s: ProbeSample) => void,
  send: SendProbe,
  hooks: LoopHooks = {},
): Prober {
  const inFlight = new Set<() => void>();
  let stopped = false;

  const ticker = startTicker(ctx.intervalMs, () => {
    const t0 = performance.now();
    const sentAt = Date.now();
    let settled = false;
    let cleanup: (() => void) | void;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      inFlight.delete(finish);
      const c = cleanup;
      cleanup = undefined;
      if (c) c();
    };
    const settle = (rttMs: number | null, error?: string): void => {
      if (settled || stopped) return;
      settled = true;
      finish();
      onSample(error === undefined ? { target, method, sentAt, rttMs } : { target, method, sentAt, rttMs, error });
    };
    const attempt: Attempt = {
      ok() {
        const rtt = performance.now() - t0;
        if (rtt > ctx.timeoutMs)
          settle(null, `answer after ${Math.round(rtt)} ms, over the ${ctx.timeoutMs} ms timeout`);
        else settle(round3(rtt));
      },
      fail: (error) => settle(null, error),
      get settled() {
        return settled;
      },
    };
    inFlight.add(finish);
    timer = setTimeout(() => settle(null, `no answer within ${ctx.timeoutMs} ms`), ctx.timeoutMs);
    try {
      cleanup = send(attempt);
    } catch (err) {
      settle(null, `could not send: ${(err as Error).message}`);
    }
    // The attempt may have settled synchronously, before send() returned its cleanup.
    if (settled) finish();
  });

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      ticker.stop();
      for (const f of [...inFlight]) f();
      hooks.onStop?.();
    },
  };
}

/** A short text for a socket or process error: its code and message. */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && 'message' in e)
    return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  return String(err);
}
