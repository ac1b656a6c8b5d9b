// The NFQUEUE policies' queue rules (iptables): one per policy in use, applied once per engine through the plugin's kernel extras hook.
import {
  type KernelExtras,
  type Layout,
  type Logger,
  type NfqRulesSpec,
  type PluginServices,
  hex,
} from '../../../plugin-api/index.ts';

/** One queue rule per NFQUEUE policy in use, matching its tag (in ip6tables too when IPv6 is marked); null when there is none (then iptables is never run). */
export function nfqRulesSpec(layout: Layout): NfqRulesSpec | null {
  const { tagMask, doneBit, policies, ipv6 } = layout.nfqueue;
  const bindings = [...policies.values()]
    .filter((p) => p.inUse)
    .sort((a, b) => a.queue - b.queue)
    .map((p) => ({ queue: p.queue, match: ['-m', 'mark', '--mark', `${hex(p.tag)}/${hex(tagMask)}`] }));
  if (!bindings.length) return null;
  return ipv6 ? { mask: layout.mask, doneBit, bindings, ipv6 } : { mask: layout.mask, doneBit, bindings };
}

/** The queue rules of this configuration (none without NFQUEUE policies in use). */
export function queueRules(layout: Layout, system: PluginServices, log: Logger): KernelExtras | null {
  const spec = nfqRulesSpec(layout);
  const rules = system.nfqueue;
  return spec && rules ? new QueueRules(rules, spec, log) : null;
}

/**
 * Applied with the first reconcile, then left alone (a second apply is a no-op anyway) until the engine forgets its
 * kernel state; a failure is logged and retried with the next reconcile.
 */
class QueueRules implements KernelExtras {
  private applied = false;
  private running?: Promise<string[][]>;

  constructor(
    private readonly kernel: NonNullable<PluginServices['nfqueue']>,
    private readonly spec: NfqRulesSpec,
    private readonly log: Logger,
  ) {}

  get pending(): boolean {
    return !this.applied;
  }

  ensure(): Promise<string[][]> {
    if (!this.pending) return Promise.resolve([]);
    this.running ??= this.kernel
      .applyRules(this.spec)
      .then(
        (ran) => {
          this.applied = true;
          if (ran.length)
            this.log.debug(
              { queues: this.spec.bindings.map((b) => b.queue), commands: ran.length },
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

  forget(): void {
    this.applied = false;
  }

  plan(): Promise<string[][]> {
    return this.kernel.planRules(this.spec);
  }
}
