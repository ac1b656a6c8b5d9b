// Runs the fastest-response learners: conntrack events in, learned `network → WAN` choices written to each policy's map (one per family) at a bounded rate.
import { inPrefix6, parsePrefix6, type PluginContext, type WorldView } from '../../plugin-api/index.ts';
import type { ResolvedPolicy } from './resolve.ts';
import { type Family, fastestMap } from './names.ts';
import { policiesOf } from './resolve.ts';
import { policiesInUse } from './rules.ts';
import { fastestPrefixLength, liveOf } from './render.ts';
import { marksIpv6 } from './marker6.ts';
import { FastestLearner } from './strategies/fastest.ts';

/**
 * Whether `dst` is the router's own (a WAN's address; for IPv6 also its delegated and LAN prefixes, which inbound
 * connections reach): such connections are not learned. Read per NEW event (DHCP, SLAAC and PD change them).
 */
function isOwn(world: WorldView, family: Family, dst: string): boolean {
  if (family === 'ipv4') return world.wans.some((w) => w.address === dst);
  return world.wans.some((w) =>
    [w.ipv6?.address && `${w.ipv6.address}/128`, w.ipv6?.delegated, w.ipv6?.lanPrefix].some((text) => {
      const p = text ? parsePrefix6(text) : undefined;
      return p !== undefined && inPrefix6(dst, p);
    }),
  );
}

/**
 * Starts a learner per fastest-response policy in use and per family it marks (IPv6 in ipv6.mode npt): each learns
 * from its family's NEW flows and writes its own map over the members in service for that family. Returns a
 * function that stops them.
 */
export function startFastest(ctx: PluginContext): () => void {
  const world = ctx.world();
  const policies = policiesInUse(world)
    .map((n) => policiesOf(world.config).policies.get(n)!)
    .filter((p) => p.strategy === 'fastest-response');
  if (policies.length === 0 || !ctx.system.conntrack || !ctx.system.updateMap) return () => undefined;
  const families: Family[] = marksIpv6(world) ? ['ipv4', 'ipv6'] : ['ipv4'];
  const stops = policies.flatMap((policy) => families.map((family) => learn(ctx, policy, family)));
  return () => {
    for (const s of stops) s();
  };
}

/** One policy's learner for one family: events in, its map written every `intervalMs` when choices changed. */
function learn(ctx: PluginContext, policy: ResolvedPolicy, family: Family): () => void {
  const feed = ctx.system.conntrack!;
  const write = ctx.system.updateMap!;
  const world = ctx.world();
  const { mask } = world.layout;
  // Marks are fixed by the layout for the plugin's lifetime: no world to build per conntrack event.
  const wanByMark = new Map(world.wans.map((w) => [w.mark, w.name]));
  const wanOfMark = (mark: number) => wanByMark.get((mark & mask) >>> 0);
  const isLocal = (dst: string) => isOwn(ctx.world(), family, dst);
  const o = {
    prefixLength: fastestPrefixLength(policy, family),
    timeoutSeconds: policy.fastest?.timeoutSeconds ?? 300,
    family,
  };
  const map = fastestMap(policy.name, family);
  const learner = new FastestLearner(o, wanOfMark, isLocal);
  const unsubscribe = feed.subscribe({ event: (r) => learner.event(r) });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    const live = liveOf(policy, ctx.world(), family);
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
    write(map, add, remove)
      .then(() =>
        ctx.log.info(
          { policy: policy.name, family, learned: Object.fromEntries(changes), answerMs: learner.snapshot() },
          'fastest response: learned choices written',
        ),
      )
      .catch((err) => ctx.log.warn({ err, policy: policy.name, family }, 'fastest response: writing the map failed'))
      .finally(() => {
        busy = false;
      });
  }, policy.intervalMs);
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
