// The reconciler: collects every plugin's desired state, diffs it against the kernel, and applies one nft and one ip transaction.
import type { EventBus } from './bus.ts';
import type { Layout } from './config/identifiers.ts';
import { describeError } from './errors.ts';
import type { ApplyPlan, KernelAdapter, KernelOwnership } from './kernel/adapter.ts';
import type { DesiredState } from './kernel/desired.ts';
import { diffIp, removalIp } from './kernel/ip-diff.ts';
import { removalNft, renderNft } from './kernel/nft-render.ts';
import type { Logger } from './log.ts';

export function ownershipOf(layout: Layout): KernelOwnership {
  return { routeProtocol: layout.routeProtocol, priorityRange: layout.priorityRange, tableRange: layout.tableRange, nftTable: layout.nftTable };
}

export interface ReconcileResult { changed: boolean; ms: number; plan: ApplyPlan }

/** Pure: what must run to get from the kernel's current state to `desired`. */
export async function planFor(kernel: KernelAdapter, layout: Layout, desired: DesiredState): Promise<ApplyPlan> {
  const own = ownershipOf(layout);
  const current = await kernel.read(own);
  const nft = renderNft(layout.nftTable, desired.nft, current.nft);
  const ip = diffIp(desired, current, layout.routeProtocol);
  return { nft: nft.script, ip: ip.lines, target: desired };
}

/** The plan that removes everything mwan owns. */
export async function removalPlan(kernel: KernelAdapter, layout: Layout): Promise<ApplyPlan> {
  const current = await kernel.read(ownershipOf(layout));
  return { nft: removalNft(layout.nftTable, current.nft !== null), ip: removalIp(current, layout.routeProtocol).lines, target: { routes: [], rules: [], nft: { chains: [], sets: [], counters: [] } } };
}

/** Serialises reconciles: requests that arrive during one are coalesced into a single follow-up run. */
export class Reconciler {
  private running: Promise<ReconcileResult | undefined> | null = null;
  private pending: string[] = [];
  last?: ReconcileResult & { at: number; reason: string; error?: string };

  constructor(
    private readonly kernel: KernelAdapter,
    private readonly layout: Layout,
    private readonly desired: () => DesiredState,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /** Runs now, or after the current run; resolves when the kernel reflects this request. */
  request(reason: string): Promise<ReconcileResult | undefined> {
    this.pending.push(reason);
    if (!this.running) this.running = this.drain();
    return this.running;
  }

  private async drain(): Promise<ReconcileResult | undefined> {
    let result: ReconcileResult | undefined;
    while (this.pending.length) {
      const reason = [...new Set(this.pending)].join('; ');
      this.pending = [];
      result = await this.once(reason);
    }
    this.running = null;
    return result;
  }

  private async once(reason: string): Promise<ReconcileResult | undefined> {
    const t0 = performance.now();
    try {
      const plan = await planFor(this.kernel, this.layout, this.desired());
      const changed = plan.nft !== '' || plan.ip.length > 0;
      if (changed) await this.kernel.apply(plan);
      const ms = performance.now() - t0;
      const result = { changed, ms, plan };
      this.last = { ...result, at: Date.now(), reason };
      this.bus.emit('reconcile.done', { reason, changed, ms, nftLines: plan.nft ? plan.nft.split('\n').length - 1 : 0, ipLines: plan.ip.length });
      if (changed) this.log.info({ reason, ms: Math.round(ms * 10) / 10, ipLines: plan.ip.length, nft: plan.nft !== '' }, 'kernel state reconciled');
      return result;
    } catch (error) {
      const message = describeError(error);
      this.last = { changed: false, ms: performance.now() - t0, plan: { nft: '', ip: [] }, at: Date.now(), reason, error: message };
      this.bus.emit('reconcile.failed', { reason, error: message });
      this.log.error({ reason, err: error }, 'reconcile failed; previous kernel state left in place');
      return undefined;
    }
  }
}
