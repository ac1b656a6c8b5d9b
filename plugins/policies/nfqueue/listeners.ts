// The daemon side of nfqueue:<name> policies: one queue listener per policy in use, deciding among its members in service.
import type { NfqueueService, PluginContext, WorldView } from '../../../core/plugin/api.ts';
import { policiesOf } from '../resolve.ts';
import { usableMembers } from '../selection.ts';
import { strategyRegistry } from './wiring.ts';

type Usable = Map<string, { name: string; mark: number; weight: number }[]>;

/** Each NFQUEUE policy's members in service, in member order, with their marks and member weights. */
function usableNow(world: WorldView, policies: string[]): Usable {
  return new Map(
    policies.map((p) => [
      p,
      usableMembers(policiesOf(world.config).policies.get(p)!, world.wans).map((w) => ({
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
 * Starts the listeners through the core (`ctx.kernel.nfqueue`); resolves with a function that closes them (the queue
 * rules' bypass then lets the kernel's choice stand). A listener that cannot start fails the setup, naming the policy.
 */
export async function startNfqueuePolicies(ctx: PluginContext): Promise<() => Promise<void>> {
  const world = ctx.world();
  const wanted = [...world.layout.nfqueue.policies].filter(([, p]) => p.inUse);
  const start = ctx.kernel.nfqueue?.start;
  if (wanted.length === 0 || !start) return async () => {};
  const names = wanted.map(([n]) => n);
  const registry = strategyRegistry(ctx.plugins ?? []);
  let cache: { at: number; usable: Usable } | undefined;
  const off = ctx.bus.on(
    'reconcile.requested',
    () => {
      cache = undefined;
    },
    'policies',
  );
  // Read on every decision: cheap while the cache is fresh, and never older than the last change.
  const wansOf = (policy: string) => {
    const now = Date.now();
    if (!cache || now - cache.at > MAX_AGE_MS) cache = { at: now, usable: usableNow(ctx.world(), names) };
    return cache.usable.get(policy) ?? [];
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
