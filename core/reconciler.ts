// The reconciler: collects every plugin's desired state, diffs it against the kernel, and applies one nft and one ip transaction.
import type { EventBus } from './bus.ts';
import type { Layout } from './config/identifiers.ts';
import { describeError } from './errors.ts';
import { planIsEmpty, type ApplyPlan, type KernelAdapter, type KernelOwnership } from './kernel/adapter.ts';
import { emptyDesired, type DesiredState } from './kernel/desired.ts';
import { diffIp, removalIp } from './kernel/ip-diff.ts';
import { removalNft, renderNft } from './kernel/nft-render.ts';
import { planSysctls } from './kernel/sysctl-plan.ts';
import type { Logger } from './log.ts';

export function ownershipOf(layout: Layout): KernelOwnership {
  return { routeProtocol: layout.routeProtocol, priorityRange: layout.priorityRange, tableRange: layout.tableRange, nftTable: layout.nftTable };
}

export interface ReconcileResult { changed: boolean; ms: number; plan: ApplyPlan }

/** Where the values a sysctl had before mwan changed it are kept (the state directory). */
export interface SysctlMemory { load(): Promise<Record<string, string>>; save(originals: Record<string, string>): Promise<void> }

export interface PlannedChange { plan: ApplyPlan; originals: Record<string, string> }

/** What must run to get from the kernel's current state to `desired` (reads, never writes). */
export async function planFor(kernel: KernelAdapter, layout: Layout, desired: DesiredState, originals: Record<string, string>): Promise<PlannedChange> {
  const own = ownershipOf(layout);
  const keys = [...new Set([...desired.sysctls.map((s) => s.key), ...Object.keys(originals)])];
  const [current, sysctlNow] = await Promise.all([kernel.read(own), kernel.readSysctls(keys)]);
  const nft = renderNft(layout.nftTable, desired.nft, current.nft);
  const ip = diffIp(desired, current, layout.routeProtocol);
  const sysctl = planSysctls(desired.sysctls, sysctlNow, originals);
  return { plan: { nft: nft.script, ip: ip.lines, sysctl: sysctl.writes, target: desired }, originals: sysctl.originals };
}

/** The plan that removes everything mwan owns and restores the settings it changed. */
export async function removalPlan(kernel: KernelAdapter, layout: Layout, originals: Record<string, string>): Promise<PlannedChange> {
  const current = await kernel.read(ownershipOf(layout));
  const sysctl = planSysctls([], await kernel.readSysctls(Object.keys(originals)), originals);
  return {
    plan: { nft: removalNft(layout.nftTable, current.nft !== null), ip: removalIp(current, layout.routeProtocol).lines, sysctl: sysctl.writes, target: emptyDesired() },
    originals: {},
  };
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
    private readonly memory: SysctlMemory,
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
      const before = await this.memory.load();
      const { plan, originals } = await planFor(this.kernel, this.layout, this.desired(), before);
      const changed = !planIsEmpty(plan);
      if (JSON.stringify(originals) !== JSON.stringify(before)) await this.memory.save(originals);
      if (changed) await this.kernel.apply(plan);
      const ms = performance.now() - t0;
      const result = { changed, ms, plan };
      this.last = { ...result, at: Date.now(), reason };
      this.bus.emit('reconcile.done', { reason, changed, ms, nftLines: plan.nft ? plan.nft.split('\n').length - 1 : 0, ipLines: plan.ip.length, sysctls: plan.sysctl.length });
      if (changed) this.log.info({ reason, ms: Math.round(ms * 10) / 10, ipLines: plan.ip.length, nft: plan.nft !== '' }, 'kernel state reconciled');
      return result;
    } catch (error) {
      const message = describeError(error);
      this.last = { changed: false, ms: performance.now() - t0, plan: { nft: '', ip: [], sysctl: [] }, at: Date.now(), reason, error: message };
      this.bus.emit('reconcile.failed', { reason, error: message });
      this.log.error({ reason, err: error }, 'reconcile failed; previous kernel state left in place');
      return undefined;
    }
  }
}
