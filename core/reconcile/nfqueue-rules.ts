// The core's side of NFQUEUE: the queue rules of the layout's queues, applied once per engine (strategies and listeners belong to the policies plugin).
import type { Layout } from '../config/identifiers.ts';
import type { NfqueueKernel } from '../system/nfqueue/adapters.ts';
import type { NfqRulesSpec } from '../system/nfqueue/rules.ts';
import { hex } from '../config/validators.ts';
import type { Logger } from '../log.ts';

/** One queue rule per NFQUEUE policy in use, matching its tag; null when there is none (then iptables is never run). */
export function nfqRulesSpec(layout: Layout): NfqRulesSpec | null {
  const { tagMask, doneBit, policies } = layout.nfqueue;
  const bindings = [...policies.values()]
    .filter((p) => p.inUse)
    .sort((a, b) => a.queue - b.queue)
    .map((p) => ({ queue: p.queue, match: ['-m', 'mark', '--mark', `${hex(p.tag)}/${hex(tagMask)}`] }));
  return bindings.length ? { mask: layout.mask, doneBit, bindings } : null;
}

/**
 * The queue rules of one engine (one configuration): applied with the first reconcile, then left alone (a second
 * apply is a no-op anyway) until the engine forgets its kernel state; a failure is logged and retried with the next
 * reconcile. Without NFQUEUE policies in use nothing runs.
 */
export class NfqueueRules {
  private applied = false;
  private running?: Promise<string[][]>;

  constructor(
    private readonly kernel: NfqueueKernel,
    readonly spec: NfqRulesSpec | null,
    private readonly log: Logger,
  ) {}

  /** Whether `ensure` still has something to do. */
  get pending(): boolean {
    return this.spec !== null && !this.applied;
  }

  /** Applies the rules unless this engine already did; resolves with the commands that ran. */
  ensure(): Promise<string[][]> {
    if (!this.pending) return Promise.resolve([]);
    this.running ??= this.kernel
      .applyRules(this.spec!)
      .then(
        (ran) => {
          this.applied = true;
          if (ran.length)
            this.log.info(
              { queues: this.spec!.bindings.map((b) => b.queue), commands: ran.length },
              'NFQUEUE rules applied',
            );
          return ran;
        },
        (error: unknown) => {
          this.log.error(
            { err: error },
            "applying the NFQUEUE rules failed; new connections keep the kernel's choice (retried with the next reconcile)",
          );
          return [];
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The rules may be gone (mwan's state was removed or rolled back): the next `ensure` checks and applies them again. */
  forget(): void {
    this.applied = false;
  }

  /** What `ensure` would run now (nothing when there are no NFQUEUE policies in use). */
  plan(): Promise<string[][]> {
    return this.spec ? this.kernel.planRules(this.spec) : Promise.resolve([]);
  }
}
