// Helpers for the probe unit tests: run a prober for a while and keep every sample with the time it was delivered.
import assert from 'node:assert/strict';
import type { ProbeConfig } from '../../config/schema.ts';
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
  const p = start(s, ctx, (x) => sink.push({ ...x, deliveredAt: Date.now() }));
  await sleep(ms);
  p.stop();
  sink = afterStop;
  await sleep(quietMs);
  return { during, afterStop };
}

/** Every sample is well formed and was delivered no later than timeout + slack after it was sent. */
export function assertTimely(run: Run, s: ProbeConfig, ctx: ProbeContext, slackMs = 100): void {
  assert.deepEqual(run.afterStop, [], 'samples delivered after stop()');
  for (const x of run.during) {
    assert.equal(x.target, s.target);
    assert.equal(x.method, s.method);
    assert.ok(x.rttMs === null || (x.rttMs >= 0 && x.rttMs <= ctx.timeoutMs), `bad rtt ${x.rttMs}`);
    assert.ok(x.rttMs !== null || typeof x.error === 'string', 'a failure carries an error');
    const late = x.deliveredAt - x.sentAt;
    assert.ok(
      late <= ctx.timeoutMs + slackMs,
      `sample delivered ${late} ms after it was sent (timeout ${ctx.timeoutMs}): ${JSON.stringify(x)}`,
    );
  }
}

export const good = (r: Run): Seen[] => r.during.filter((x) => x.rttMs !== null);
export const bad = (r: Run): Seen[] => r.during.filter((x) => x.rttMs === null);
