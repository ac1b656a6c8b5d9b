// Runs the fastest-response learners: conntrack events in, learned `network → WAN` choices written to each policy's map at a bounded rate.
import type { PluginContext } from '../../core/plugin/api.ts';
import { fastestMap } from './names.ts';
import { policiesOf } from './resolve.ts';
import { policiesInUse } from './rules.ts';
import { liveOf } from './render.ts';
import { FastestLearner } from './strategies/fastest.ts';

/** Starts a learner per fastest-response policy in use; returns a function that stops them. */
export function startFastest(ctx: PluginContext): () => void {
  const world = ctx.world();
  const policies = policiesInUse(world)
    .map((n) => policiesOf(world.config).policies.get(n)!)
    .filter((p) => p.strategy === 'fastest-response');
  const feed = ctx.kernel.conntrack;
  const write = ctx.kernel.updateMap;
  if (policies.length === 0 || !feed || !write) return () => undefined;
  const { mask } = world.layout;
  // Marks are fixed by the layout for the plugin's lifetime: no world to build per conntrack event.
  const wanByMark = new Map(world.wans.map((w) => [w.mark, w.name]));
  const wanOfMark = (mark: number) => wanByMark.get((mark & mask) >>> 0);
  // Addresses can change (DHCP): read now, for the NEW flows that reached a WAN.
  const isLocal = (dst: string) => ctx.world().wans.some((w) => w.address === dst);
  const stops: (() => void)[] = [];
  for (const policy of policies) {
    const o = {
      prefixLength: policy.fastest?.prefixLength ?? 24,
      timeoutSeconds: policy.fastest?.timeoutSeconds ?? 300,
    };
    const learner = new FastestLearner(o, wanOfMark, isLocal);
    stops.push(feed.subscribe({ event: (r) => learner.event(r) }));
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      const view = ctx.world();
      const live = liveOf(policy, view);
      const changes = learner.decide(
        Date.now(),
        live.map((w) => w.name),
      );
      if (changes.size === 0) return;
      const add = [...changes].flatMap(([key, wan]) => {
        const w = wan ? live.find((x) => x.name === wan) : undefined;
        return w ? [{ key, mark: w.mark, timeoutSeconds: o.timeoutSeconds }] : [];
      });
      const remove = [...changes].filter(([, wan]) => wan === null).map(([key]) => key);
      busy = true;
      write(fastestMap(policy.name), add, remove)
        .then(() =>
          ctx.log.info(
            { policy: policy.name, learned: Object.fromEntries(changes), answerMs: learner.snapshot() },
            'fastest response: learned choices written',
          ),
        )
        .catch((err) => ctx.log.warn({ err, policy: policy.name }, 'fastest response: writing the map failed'))
        .finally(() => {
          busy = false;
        });
    }, policy.intervalMs);
    stops.push(() => clearInterval(timer));
  }
  return () => stops.forEach((s) => s());
}
