// Runs the adaptive strategies: every interval, measures (interface rates, probe RTT, open connections) and publishes each policy's kernel weights.
import type { PluginContext } from '../../plugin-api/index.ts';
import { ADAPTIVE, policiesOf, type ResolvedPolicy } from './resolve.ts';
import { usableMembers } from './selection.ts';
import type { AdaptiveWeights } from './weights.ts';
import { ConnCounter } from './conn-counter.ts';
import { RateMeter } from './rates.ts';
import { policiesInUse } from './rules.ts';
import { leastConnectionsStrategy } from './strategies/least-connections.ts';
import { leastUsedStrategy } from './strategies/least-used.ts';
import { lowestLatencyStrategy } from './strategies/lowest-latency.ts';
import { overflowStrategy } from './strategies/overflow.ts';
import type { AdaptiveStrategy } from './strategies/types.ts';

function strategyFor(p: ResolvedPolicy): AdaptiveStrategy {
  switch (p.strategy) {
    case 'overflow':
      return overflowStrategy(p.overflow?.thresholdPct ?? 80);
    case 'least-used':
      return leastUsedStrategy();
    case 'lowest-latency':
      return lowestLatencyStrategy(p.latency ?? { hysteresisMs: 10, hysteresisPct: 20, holdSeconds: 3 });
    default:
      return leastConnectionsStrategy();
  }
}

/**
 * Publishes a policy's choice (null: back to static weights) when its weights change: `policy.weights` on the bus,
 * then the world view's run-time weights, which reconciles.
 */
function publisher(ctx: PluginContext): (policy: string, choice: AdaptiveWeights | null) => void {
  const last = new Map<string, AdaptiveWeights | null>();
  return (policy, choice) => {
    if (JSON.stringify(last.get(policy)?.weights ?? null) === JSON.stringify(choice?.weights ?? null)) return;
    last.set(policy, choice);
    const reason = choice?.reason ?? 'static weights';
    ctx.bus.emit('policy.weights', { policy, weights: choice?.weights ?? null, reason });
    ctx.setRuntimeWeights!(policy, choice, `policy ${policy}: ${reason}`);
  };
}

interface Running {
  policy: ResolvedPolicy;
  strategy: AdaptiveStrategy;
  lastRun: number;
  arrivalsAt: number;
}

/** Starts the measurement loop for the adaptive policies in use; returns a function that stops it. */
export function startAdaptive(ctx: PluginContext): () => void {
  const world = ctx.world();
  const running: Running[] = policiesInUse(world)
    .map((name) => policiesOf(world.config).policies.get(name)!)
    .filter((p) => ADAPTIVE.includes(p.strategy))
    .map((policy) => ({ policy, strategy: strategyFor(policy), lastRun: 0, arrivalsAt: 0 }));
  if (running.length === 0 || !ctx.setRuntimeWeights) return () => undefined;
  const publish = publisher(ctx);
  const needsRates = running.some((r) => r.policy.strategy === 'overflow' || r.policy.strategy === 'least-used');
  const needsConns = running.some((r) => r.policy.strategy === 'least-connections');
  const meter = new RateMeter();
  const counter = new ConnCounter(world.layout.mask);
  const devices = world.wans.map((w) => w.device);
  let unsubscribe: () => void = () => undefined;
  if (needsConns && ctx.system.conntrack) {
    const feed = ctx.system.conntrack;
    const resync = () => {
      counter.beginLoad();
      void feed.list().then(
        (l) => counter.load(l),
        (err) => {
          counter.load([]);
          ctx.log.warn({ err }, 'listing conntrack failed');
        },
      );
    };
    unsubscribe = feed.subscribe({ event: (r) => counter.event(r), resync });
    resync();
  }
  const tickMs = Math.min(...running.map((r) => r.policy.intervalMs));
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = Date.now();
      if (needsRates && ctx.system.linkBytes) meter.update(now, await ctx.system.linkBytes(devices));
      const view = ctx.world();
      for (const r of running) {
        if (now - r.lastRun < r.policy.intervalMs - tickMs / 2) continue;
        r.lastRun = now;
        const members = usableMembers(r.policy, view.wans).map((w) => ({
          wan: w.name,
          weight: w.weight,
          tier: w.tier,
          capacityMbps: w.member.capacityMbps,
          rttMs: w.rttMs,
          mbps: meter.mbps(w.device),
          connections: counter.count(w.mark),
        }));
        const arrivals = counter.arrivals - r.arrivalsAt;
        r.arrivalsAt = counter.arrivals;
        publish(r.policy.name, r.strategy.decide({ now, members, arrivals }));
      }
    } catch (err) {
      ctx.log.warn({ err }, 'adaptive strategies: a measurement failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => {
    void tick();
  }, tickMs);
  void tick();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
