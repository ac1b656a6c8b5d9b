// Repairs mwan's own kernel state when a monitor reports it changed under it (another tool deleted its table, a rule, a route): rate-limited.
import type { Engine } from '../../core/engine.ts';
import type { OwnStateChange, OwnStateKind } from '../../core/system/kernel/adapter.ts';
import type { Logger } from '../../core/log.ts';
import { RepairLimiter } from './repair-limiter.ts';

/** Pause after a notification so a burst (a whole `nft flush ruleset`, networkd removing several rules) is one repair. */
const SETTLE_MS = 15;

const KIND_NAMES: Record<OwnStateKind, string> = {
  nft: "mwan's nft table",
  rule: "mwan's ip rules",
  route: "mwan's routes",
  nfqueue: "mwan's NFQUEUE rules (iptables nat)",
};

export interface SelfRepairOptions {
  limiter?: RepairLimiter;
  now?: () => number;
}

/**
 * Collects own-state changes, then re-plans from a fresh read: when mwan's own applies caused them the plan is empty
 * and nothing happens (no loop on its own changes); otherwise the rate limiter decides, and a refused repair runs at the
 * end of its back-off. While the last reconcile failed there is no good state to repair towards: the periodic check
 * retries then.
 */
export class SelfRepair {
  private readonly pending = new Map<OwnStateKind, string>();
  private timer?: NodeJS.Timeout;
  private readonly due = new Map<OwnStateKind, NodeJS.Timeout>();
  private running?: Promise<void>;
  private stopped = false;
  private readonly limiter: RepairLimiter;
  private readonly now: () => number;
  /** Repairs that changed the kernel, per kind (status and tests). */
  readonly repairs: Record<OwnStateKind, number> = { nft: 0, rule: 0, route: 0, nfqueue: 0 };

  constructor(
    private readonly engine: () => Engine,
    private readonly log: Logger,
    opts: SelfRepairOptions = {},
  ) {
    this.limiter = opts.limiter ?? new RepairLimiter();
    this.now = opts.now ?? (() => performance.now());
  }

  onChange(change: OwnStateChange): void {
    if (this.stopped) return;
    if (change.kind === 'nfqueue' && !this.engine().keepsKernelExtras()) return;
    // keep the most telling description of the burst: a deletion over a change
    if (!this.pending.has(change.kind) || change.deleted) this.pending.set(change.kind, change.what);
    this.schedule();
  }

  private schedule(): void {
    if (!this.stopped)
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.run();
      }, SETTLE_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.due.values()) clearTimeout(t);
    this.due.clear();
  }

  /** Resolves once the repairs asked for so far have run (tests). */
  async settled(): Promise<void> {
    while (this.timer || this.running) await (this.running ?? new Promise((r) => setTimeout(r, SETTLE_MS + 5)));
  }

  /** One repair at a time; changes reported meanwhile are repaired right after it. */
  private run(): void {
    if (this.running) return;
    this.running = this.repair()
      .catch((err: unknown) => {
        this.log.error({ err }, "repairing mwan's kernel state failed");
      })
      .finally(() => {
        this.running = undefined;
        if (this.pending.size) this.schedule();
      });
  }

  private async repair(): Promise<void> {
    const batch = new Map(this.pending);
    this.pending.clear();
    const now = this.now();
    const kinds = [...batch.keys()].filter((k) => !this.limiter.blocked(k, now) && !this.due.has(k));
    if (!kinds.length || this.stopped) return;
    const engine = this.engine();
    if (engine.lastReconcile()?.error) return;
    const reason = `repair: ${kinds.map((k) => batch.get(k)).join('; ')}`;
    if (kinds.includes('nfqueue')) {
      if (this.allowed(['nfqueue'], batch)) {
        if (await engine.repairKernelExtras()) this.repairs.nfqueue++;
      }
    }
    const kernelKinds = kinds.filter((k) => k !== 'nfqueue');
    if (!kernelKinds.length) return;
    const result = await engine.repair(reason, () => this.allowed(kernelKinds, batch));
    if (result?.changed) for (const k of kernelKinds) this.repairs[k]++;
  }

  /** Asks the limiter for each kind; refused kinds get a repair at the end of their back-off. True when any may repair now. */
  private allowed(kinds: OwnStateKind[], batch: Map<OwnStateKind, string>): boolean {
    const now = this.now();
    let any = false;
    for (const kind of kinds) {
      const v = this.limiter.take(kind, now);
      if (v.allowed) {
        any = true;
        continue;
      }
      const what = batch.get(kind) ?? KIND_NAMES[kind];
      if (v.warn) {
        this.log.warn(
          { kind, what, refusedRepairs: v.refusedSinceWarn, backoffMs: Math.round(v.backoffMs) },
          `${KIND_NAMES[kind]} keep${kind === 'nft' ? 's' : ''} being deleted or changed by another tool (last: ${what}); repairs back off for ${Math.round(v.backoffMs / 1000)} s`,
        );
      }
      if (!this.due.has(kind)) {
        this.due.set(
          kind,
          setTimeout(
            () => {
              this.due.delete(kind);
              this.onChange({ kind, what, deleted: true });
            },
            Math.max(0, v.retryAt - now) + 5,
          ),
        );
      }
    }
    return any;
  }
}
