// The daemon side of nfqueue:<name> policies: one queue listener per policy in use, deciding among its members in service.
import type { NfqueueService, PluginContext, WorldView } from '../../../plugin-api/index.ts';
import { policiesOf } from '../resolve.ts';
import type { Family } from '../names.ts';
import { liveOf } from '../render.ts';
import { strategyRegistry } from './wiring.ts';

type Usable = Map<string, { name: string; mark: number; weight: number }[]>;

/** Each NFQUEUE policy's members in service (for a family), in member order, with their marks and member weights. */
function usableNow(world: WorldView, policies: string[], family: Family): Usable {
  return new Map(
    policies.map((p) => [
      p,
      liveOf(policiesOf(world.config).policies.get(p)!, world, family).map((w) => ({
        name: w.name,
        mark: w.mark,
        weight: w.weight,
      })),
    ]),
  );
}

/** A cached view is rebuilt after anything that may change service (each such change requests a reconcile), and at least this often. */
const MAX_AGE_MS = 1000;

/**
 * Starts the listeners through the core (`ctx.system.nfqueue`); resolves with a function that closes them (the queue
 * rules' bypass then lets the kernel's choice stand). A listener that cannot start fails the setup, naming the policy.
 */
export async function startNfqueuePolicies(ctx: PluginContext): Promise<() => Promise<void>> {
  const world = ctx.world();
  const wanted = [...world.layout.nfqueue.policies].filter(([, p]) => p.inUse);
  const start = ctx.system.nfqueue?.start;
  if (wanted.length === 0 || !start) return async () => {};
  const names = wanted.map(([n]) => n);
  const registry = strategyRegistry(ctx.plugins ?? []);
  let cache: { at: number; usable: Usable; usable6: Usable } | undefined;
  const off = ctx.bus.on(
    'reconcile.requested',
    () => {
      cache = undefined;
    },
    'policies',
  );
  // Read on every decision: cheap while the cache is fresh, and never older than the last change.
  const wansOf = (policy: string, family: Family = 'ipv4') => {
    const now = Date.now();
    if (!cache || now - cache.at > MAX_AGE_MS) {
      const w = ctx.world();
      cache = { at: now, usable: usableNow(w, names, 'ipv4'), usable6: usableNow(w, names, 'ipv6') };
    }
    return (family === 'ipv6' ? cache.usable6 : cache.usable).get(policy) ?? [];
  };
  const services: NfqueueService[] = [];
  const closeAll = async () => {
    off();
    await Promise.all(services.splice(0).map((s) => s.close()));
  };
  for (const [name, ids] of wanted) {
    try {
      services.push(
        await start({
          queue: ids.queue,
          strategy: ids.strategy,
          factory: (c) => registry.create(ids.strategy, c),
          strategyOptions: policiesOf(world.config).policies.get(name)!.nfqueue?.options,
          wans: () => wansOf(name),
          wans6: () => wansOf(name, 'ipv6'),
          onProblem: (what) => ctx.log.warn({ policy: name, queue: ids.queue }, what),
        }),
      );
    } catch (error) {
      await closeAll();
      throw new Error(
        `policies.${name}: NFQUEUE queue ${ids.queue} (nfqueue:${ids.strategy}) did not start: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    ctx.log.info({ policy: name, queue: ids.queue, strategy: ids.strategy }, 'NFQUEUE policy deciding new connections');
  }
  return closeAll;
}
