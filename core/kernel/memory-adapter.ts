// An in-memory kernel for unit tests: it adopts each plan's target state and records every script it was given.
import type { ApplyPlan, KernelAdapter, KernelSnapshot, ObservedNetwork } from './adapter.ts';
import type { CurrentNft } from './nft-read.ts';
import { FINGERPRINT_PREFIX } from './nft-render.ts';

export class MemoryKernel implements KernelAdapter {
  readonly kind = 'memory' as const;
  readonly plans: ApplyPlan[] = [];
  state: KernelSnapshot = { nft: null, routes: [], rules: [] };
  private listeners = new Set<() => void>();
  /** /proc/sys as a map; keys absent here read as null. */
  sysctls: Record<string, string> = {};

  constructor(public network: ObservedNetwork = { links: [], defaults: [] }) {}

  async read(): Promise<KernelSnapshot> {
    return structuredClone(this.state);
  }

  async observe(): Promise<ObservedNetwork> {
    return structuredClone(this.network);
  }

  async readSysctls(keys: string[]): Promise<Record<string, string | null>> {
    return Object.fromEntries(keys.map((k) => [k, this.sysctls[k] ?? null]));
  }

  async apply(plan: ApplyPlan): Promise<void> {
    this.plans.push(plan);
    for (const { key, value } of plan.sysctl) this.sysctls[key] = value;
    if (!plan.target) return;
    const { routes, rules, nft } = plan.target;
    let table: CurrentNft | null = null;
    if (nft.chains.length || nft.sets.length || nft.counters.length || plan.nft) {
      const fp = /chain (fingerprint_[0-9a-f]+)/.exec(plan.nft)?.[1];
      table = {
        chains: new Map(nft.chains.map((c) => [c.name, { name: c.name, type: c.base?.type, hook: c.base?.hook, priority: c.base?.priority, policy: c.base ? c.base.policy ?? 'accept' : undefined, rules: c.rules.length }])),
        sets: new Set(nft.sets.map((s) => s.name)),
        counters: new Map(nft.counters.map((n) => [n, this.state.nft?.counters.get(n) ?? { packets: 0, bytes: 0 }])),
      };
      if (fp?.startsWith(FINGERPRINT_PREFIX)) table.chains.set(fp, { name: fp, rules: 0 });
      if (plan.nft.startsWith('delete table')) table = null;
    }
    this.state = { nft: table, routes: structuredClone(routes), rules: structuredClone(rules) };
  }

  /** Simulates a netlink notification after changing `network`. */
  notify(): void {
    for (const l of this.listeners) l();
  }

  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }
}
