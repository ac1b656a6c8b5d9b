// ICMP echo probe through the addon: every target with the same interval and timeout shares one scheduler and timer.
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { IcmpAddon } from './icmp-addon.ts';
import { IcmpScheduler } from './icmp-scheduler.ts';
import { parseTarget, sourceFor } from './target.ts';
import type { ProbeContext, ProbeSample, Prober } from './types.ts';

const schedulers = new Map<string, IcmpScheduler>();

/** Probes `spec.target` from the WAN's device and address, batched with every other ICMP target of the same cadence. */
export function startNativeIcmpProbe(
  addon: IcmpAddon,
  spec: ProbeConfig,
  ctx: ProbeContext,
  onSample: (s: ProbeSample) => void,
): Prober {
  const key = `${ctx.intervalMs}/${ctx.timeoutMs}`;
  let scheduler = schedulers.get(key);
  if (!scheduler) {
    const created = new IcmpScheduler(addon, ctx.intervalMs, ctx.timeoutMs, () => {
      if (schedulers.get(key) === created) schedulers.delete(key);
    });
    schedulers.set(key, (scheduler = created));
  }
  const target = parseTarget(spec.target);
  if (target.port !== undefined) throw new Error(`icmp probe target ${spec.target}: an echo has no port`);
  let stopped = false;
  const remove = scheduler.add({
    device: ctx.device,
    source: sourceFor(spec.target, ctx),
    target: target.host,
    label: spec.target,
    onSample: (s) => {
      if (!stopped) onSample(s);
    },
  });
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        remove();
      }
    },
  };
}
