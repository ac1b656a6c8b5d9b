// The kernel state a successful apply leaves behind, derived from the plan: the in-memory kernel and the reconciler's cache use it.
import type { ApplyPlan, KernelSnapshot } from './adapter.ts';
import type { CurrentNft } from './nft-read.ts';
import { FINGERPRINT_PREFIX } from '../../reconcile/nft-table-block.ts';

export function stateAfter(plan: ApplyPlan, before: KernelSnapshot): KernelSnapshot {
  if (!plan.target) return before;
  const { routes, rules, nft } = plan.target;
  let table: CurrentNft | null = before.nft;
  if (plan.nft.startsWith('delete table')) table = null;
  else if (plan.nft) {
    table = {
      chains: new Map(
        nft.chains.map((c) => [
          c.name,
          {
            name: c.name,
            type: c.base?.type,
            hook: c.base?.hook,
            priority: c.base?.priority,
            policy: c.base ? (c.base.policy ?? 'accept') : undefined,
            rules: c.rules.length,
          },
        ]),
      ),
      sets: new Set(nft.sets.map((s) => s.name)),
      counters: new Map(nft.counters.map((n) => [n, before.nft?.counters.get(n) ?? { packets: 0, bytes: 0 }])),
    };
    const fp = new RegExp(`chain (${FINGERPRINT_PREFIX}[0-9a-f]+)`).exec(plan.nft)?.[1];
    if (fp) table.chains.set(fp, { name: fp, rules: 0 });
  }
  return { nft: table, routes: structuredClone(routes), rules: structuredClone(rules) };
}
