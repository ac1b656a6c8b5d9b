// Helpers for the probe unit tests: run a prober for a while and keep every sample with the time it was delivered.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';
import { startProbe } from './index.ts';
import { sleep } from '../../../test/kit/time.ts';

export { sleep };

export interface Seen extends ProbeSample {
  deliveredAt: number;
}

export const localCtx = (o: Partial<ProbeContext> = {}): ProbeContext => ({
  wan: 'isp1',
  device: 'lo',
  source: '127.0.0.1',
  intervalMs: 100,
  timeoutMs: 300,
  ...o,
});

/** A probe spec with the schema's defaults filled in. */
export const spec = (o: Partial<ProbeConfig> & Pick<ProbeConfig, 'target'>): ProbeConfig => ({ method: 'icmp', ...o });

export interface Run {
  during: Seen[];
  afterStop: Seen[];
  /** The longest time this process's event loop was blocked during the run (GC, a loaded machine), in ms. */
  stallMs: number;
}

/** Runs a prober for `ms`, stops it, then watches for `quietMs` more: anything delivered then is a bug. */
export async function probeFor(
  s: ProbeConfig,
  ctx: ProbeContext,
  ms: number,
  quietMs = ctx.timeoutMs + ctx.intervalMs + 50,
  start: (s: ProbeConfig, c: ProbeContext, on: (x: ProbeSample) => void) => Prober = startProbe,
): Promise<Run> {
  const during: Seen[] = [];
  const afterStop: Seen[] = [];
  let sink = during;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const p = start(s, ctx, (x) => sink.push({ ...x, deliveredAt: Date.now() }));
  await sleep(ms);
  p.stop();
  sink = afterStop;
  await sleep(quietMs);
  loop.disable();
  return { during, afterStop, stallMs: Math.round(loop.max / 1e6) };
}

/**
 * Every sample is well formed and was delivered no later than timeout + slack after it was sent. The test's own
 * process can stall (GC, a loaded CI machine): the time it measurably did is added to the bound, not hidden.
 */
export function assertTimely(run: Run, s: ProbeConfig, ctx: ProbeContext, slackMs = 100): void {
  assert.deepEqual(run.afterStop, [], 'samples delivered after stop()');
  for (const x of run.during) {
    assert.equal(x.target, s.target);
    assert.equal(x.method, s.method);
    assert.ok(x.rttMs === null || (x.rttMs >= 0 && x.rttMs <= ctx.timeoutMs), `bad rtt ${x.rttMs}`);
    assert.ok(x.rttMs !== null || typeof x.error === 'string', 'a failure carries an error');
    const late = x.deliveredAt - x.sentAt;
    assert.ok(
      late <= ctx.timeoutMs + slackMs + run.stallMs,
      `sample delivered ${late} ms after it was sent (timeout ${ctx.timeoutMs}, stall ${run.stallMs}): ${JSON.stringify(x)}`,
    );
  }
}

export const good = (r: Run): Seen[] => r.during.filter((x) => x.rttMs !== null);
export const bad = (r: Run): Seen[] => r.during.filter((x) => x.rttMs === null);

/**
 * A steady run of `ms` at the context's interval: about one sample per interval, all of them good. A stall of the
 * test process itself (measured) can swallow intervals and turn a pending answer into a timeout; only that is excused.
 */
export function assertSteady(run: Run, ctx: ProbeContext, ms: number): void {
  const expected = ms / ctx.intervalMs;
  const swallowed = Math.ceil(run.stallMs / ctx.intervalMs);
  const n = run.during.length;
  assert.ok(n >= expected - 2 - swallowed && n <= expected + 2, `${n} samples in ${ms} ms (stall ${run.stallMs} ms)`);
  const stalled = run.stallMs >= ctx.timeoutMs / 2;
  const unexcused = bad(run).filter((x) => !(stalled && /no answer within/.test(x.error ?? '')));
  assert.deepEqual(unexcused, [], `failed samples (stall ${run.stallMs} ms)`);
  assert.ok(good(run).length >= n - swallowed - 1, `${good(run).length} of ${n} good (stall ${run.stallMs} ms)`);
}
