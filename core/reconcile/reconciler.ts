// The reconciler: collects every plugin's desired state, diffs it against the kernel, and applies one nft and one ip transaction.
import type { EventBus } from '../bus.ts';
import type { Layout } from '../../config/schema/identifiers.ts';
import { describeError } from '../errors.ts';
import {
  planIsEmpty,
  type ApplyPlan,
  type KernelAdapter,
  type KernelSnapshot,
  ownershipOf,
} from '../system/kernel/adapter.ts';
import { emptyDesired, type DesiredState, type NftDesired } from './desired.ts';
import { diffIpFamilies, removalIpFamilies } from './ip-diff.ts';
import { removalNft, renderNft } from './nft-render.ts';
import { planSysctls } from './sysctl-plan.ts';
import type { KnownKernelState } from '../system/kernel/known-state.ts';
import type { SysctlMemory } from '../system/sysctl-originals.ts';
import type { Logger } from '../log.ts';

export interface ReconcileResult {
  changed: boolean;
  /** Total, and the part spent planning (reading the kernel and diffing) and applying. */
  ms: number;
  planMs: number;
  applyMs: number;
  /** How long the oldest request of this run waited for an earlier run to finish (coalescing). */
  queuedMs?: number;
  /** Whether the kernel was read for this reconcile (false when the known state was current). */
  read: boolean;
  plan: ApplyPlan;
  /** The plan was not empty but the request's gate refused it (a repair the rate limiter held back): nothing ran. */
  refused?: boolean;
}

export interface RequestOptions {
  /**
   * Asked once the plan is known and not empty; false skips the apply. A request with a gate is quiet: when nothing
   * is to be done, or the gate refuses, nothing is emitted or logged (it checks for drift; a no-op is the usual answer).
   */
  gate?: (plan: ApplyPlan) => boolean;
  /** Reads the kernel instead of trusting the state the last apply left (something changed behind mwan's back). */
  fresh?: boolean;
}

export interface PlannedChange {
  plan: ApplyPlan;
  /** The desired nft table's fingerprint (absent in a removal plan). */
  fingerprint?: string;
  originals: Record<string, string>;
  current: KernelSnapshot;
}

/**
 * What must run to get from the kernel's current state to `desired` (reads, never writes). With `previousNft` (what
 * the last apply put in mwan's table) and a kernel that still holds it, the nft part touches only what changed.
 */
export async function planFor(
  kernel: KernelAdapter,
  layout: Layout,
  desired: DesiredState,
  originals: Record<string, string>,
  prefetched?: KernelSnapshot,
  previousNft?: { nft: NftDesired; fingerprint: string },
): Promise<PlannedChange> {
  const own = ownershipOf(layout);
  const keys = [...new Set([...desired.sysctls.map((s) => s.key), ...Object.keys(originals)])];
  const [current, sysctlNow] = await Promise.all([prefetched ?? kernel.read(own), kernel.readSysctls(keys)]);
  const nft = renderNft(layout.nftTable, desired.nft, current.nft, previousNft);
  const sysctl = planSysctls(desired.sysctls, sysctlNow, originals);
  const before = { routes: current.routes, rules: current.rules, ownership: own };
  return {
    plan: {
      nft: nft.script,
      ...diffIpFamilies(desired, current, layout.routeProtocol),
      sysctl: sysctl.writes,
      target: desired,
      before,
    },
    originals: sysctl.originals,
    current,
    fingerprint: nft.fingerprint,
  };
}

/** The plan that removes everything mwan owns and restores the settings it changed. */
export async function removalPlan(
  kernel: KernelAdapter,
  layout: Layout,
  originals: Record<string, string>,
): Promise<PlannedChange> {
  const own = ownershipOf(layout);
  const current = await kernel.read(own);
  const sysctl = planSysctls([], await kernel.readSysctls(Object.keys(originals)), originals);
  const before = { routes: current.routes, rules: current.rules, ownership: own };
  return {
    plan: {
      nft: removalNft(layout.nftTable, current.nft !== null),
      ...removalIpFamilies(current, layout.routeProtocol),
      sysctl: sysctl.writes,
      target: emptyDesired(),
      before,
    },
    originals: {},
    current,
  };
}

/** The number of `ip` lines of both families in a plan. */
export const ipLineCount = (plan: ApplyPlan): number => plan.ip.length + (plan.ip6?.length ?? 0);

/** Serialises reconciles: requests that arrive during one are coalesced into a single follow-up run. */
export class Reconciler {
  private running: Promise<ReconcileResult | undefined> | null = null;
  private pending: { reason: string; opts: RequestOptions; at: number }[] = [];
  last?: ReconcileResult & { at: number; reason: string; error?: string };

  constructor(
    private readonly kernel: KernelAdapter,
    private readonly layout: Layout,
    private readonly desired: () => DesiredState,
    private readonly memory: SysctlMemory,
    private readonly known: KnownKernelState,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /** Runs now, or after the current run; resolves when the kernel reflects this request. */
  request(reason: string, opts: RequestOptions = {}): Promise<ReconcileResult | undefined> {
    this.pending.push({ reason, opts, at: performance.now() });
    if (!this.running) this.running = this.drain();
    return this.running;
  }

  private async drain(): Promise<ReconcileResult | undefined> {
    let result: ReconcileResult | undefined;
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const reason = [...new Set(batch.map((p) => p.reason))].join('; ');
      // One plain request in the batch makes it a plain reconcile; else the last gate decides.
      const gate = batch.every((p) => p.opts.gate) ? batch[batch.length - 1].opts.gate : undefined;
      if (batch.some((p) => p.opts.fresh)) this.known.forget();
      result = await this.once(reason, gate, performance.now() - Math.min(...batch.map((p) => p.at)));
    }
    this.running = null;
    return result;
  }

  private async once(
    reason: string,
    gate?: RequestOptions['gate'],
    queuedMs = 0,
  ): Promise<ReconcileResult | undefined> {
    const t0 = performance.now();
    try {
      const before = await this.memory.load();
      const known = this.known.get();
      const readStamp = this.known.stamp(); // a forget() while reading makes the read stale
      const desired = this.desired();
      const { plan, originals, current, fingerprint } = await planFor(
        this.kernel,
        this.layout,
        desired,
        before,
        known,
        this.known.nft,
      );
      // A fresh read is the kernel's state until the next apply: the next plan starts from it instead of reading
      // again (self-repair re-plans from a fresh read after every change it sees, mwan's own applies included).
      if (!known) this.known.offer(current, readStamp);
      const asDesired = { nft: desired.nft, fingerprint: fingerprint! };
      if (!plan.nft && current.nft) this.known.nft = asDesired; // the table holds exactly these objects
      const changed = !planIsEmpty(plan);
      if (JSON.stringify(originals) !== JSON.stringify(before)) await this.memory.save(originals);
      const t1 = performance.now();
      if (gate && (!changed || !gate(plan)))
        return { changed: false, ms: t1 - t0, planMs: t1 - t0, applyMs: 0, read: !known, plan, refused: changed };
      if (changed) await this.known.apply(this.kernel, plan, current, asDesired);
      const ms = performance.now() - t0;
      const result = { changed, ms, planMs: t1 - t0, applyMs: ms - (t1 - t0), queuedMs, read: !known, plan };
      this.last = { ...result, at: Date.now(), reason };
      this.bus.emit('reconcile.done', {
        reason,
        changed,
        ms,
        nftLines: plan.nft ? plan.nft.split('\n').length - 1 : 0,
        ipLines: ipLineCount(plan),
        sysctls: plan.sysctl.length,
      });
      if (changed)
        this.log.debug(
          { reason, ms: Math.round(ms * 10) / 10, ipLines: ipLineCount(plan), nft: plan.nft !== '' },
          'kernel state reconciled',
        );
      return result;
    } catch (error) {
      const message = describeError(error);
      this.last = {
        changed: false,
        ms: performance.now() - t0,
        planMs: 0,
        applyMs: 0,
        read: true,
        plan: { nft: '', ip: [], sysctl: [] },
        at: Date.now(),
        reason,
        error: message,
      };
      this.bus.emit('reconcile.failed', { reason, error: message });
      this.log.error({ reason, err: error }, 'reconcile failed; previous kernel state left in place');
      return undefined;
    }
  }
}
