// Stable NFQUEUE identifiers per policy (a tag in the packet mark, a queue number), independent of config order, and the checks that keep their bits apart from mwan's: the policies plugin's part of the layout.
import { MwanError, NFQ_DONE_BIT, fnv1a, hex, maskShift, type MwanConfig } from '../../../plugin-api/index.ts';
import { defaultPolicyName, nfqueueName } from '../options.ts';

export interface NfqueuePolicyIds {
  /** The registered strategy name (after `nfqueue:`). */
  strategy: string;
  /** 1..capacity of the tag field; the tag is slot << the field's shift. */
  slot: number;
  tag: number;
  queue: number;
  /** The default rule or a rule sends connections to it (only these get a queue rule and a listener). */
  inUse: boolean;
}

export interface NfqueueLayout {
  /** The packet-mark field the tags live in (kernel.nfqueueTagMask). */
  tagMask: number;
  doneBit: number;
  /** NFQUEUE policies by name (empty without any). */
  policies: Map<string, NfqueuePolicyIds>;
  /** IPv6 connections are marked too (ipv6.mode npt with LAN prefixes): the queue rules go to ip6tables as well. */
  ipv6: boolean;
}

declare module '../../../plugin-api/index.ts' {
  interface PluginLayout {
    /** Tags and queues of the `nfqueue:<name>` policies (this plugin's part of the layout). */
    nfqueue: NfqueueLayout;
  }
}

const invalid = (message: string) => new MwanError('MWAN_CONFIG_INVALID', message);

type Input = Pick<MwanConfig, 'kernel' | 'policies' | 'rules' | 'defaultPolicy'> & Partial<Pick<MwanConfig, 'ipv6'>>;

/**
 * Tags and queues of the `nfqueue:<name>` policies. Each policy takes a slot from its name's hash (collisions probe
 * upwards, names visited in sorted order, so reordering the config changes nothing); its tag is the slot in the tag
 * field and its queue `nfqueueBase + slot`, unless `nfqueue.queue` fixes it (automatic queues skip fixed ones).
 */
export function nfqueueLayout(cfg: Input): NfqueueLayout {
  const { markMask, nfqueueTagMask: tagMask, nfqueueBase: base } = cfg.kernel;
  const names = Object.keys(cfg.policies)
    .filter((n) => nfqueueName(cfg.policies[n].strategy) !== undefined)
    .sort();
  const ipv6 = cfg.ipv6?.mode === 'npt' && cfg.ipv6.lan.length > 0;
  const out: NfqueueLayout = { tagMask, doneBit: NFQ_DONE_BIT, policies: new Map(), ipv6 };
  if (names.length === 0) return out;
  if ((markMask & NFQ_DONE_BIT) !== 0)
    throw invalid(
      `kernel.markMask: ${hex(markMask)} includes ${hex(NFQ_DONE_BIT)}, the bit NFQUEUE policies use for "decided"; choose a mask below it (the default 0xff00 is)`,
    );
  if ((tagMask & NFQ_DONE_BIT) !== 0)
    throw invalid(
      `kernel.nfqueueTagMask: ${hex(tagMask)} includes ${hex(NFQ_DONE_BIT)}, the bit NFQUEUE policies use for "decided"`,
    );
  if ((tagMask & markMask) !== 0)
    throw invalid(
      `kernel.nfqueueTagMask: ${hex(tagMask)} overlaps kernel.markMask ${hex(markMask)}; the tags need bits of their own`,
    );
  const shift = maskShift(tagMask);
  const capacity = tagMask / 2 ** shift;
  if (names.length > capacity)
    throw invalid(
      `policies: ${names.length} NFQUEUE policies do not fit kernel.nfqueueTagMask ${hex(tagMask)} (room for ${capacity})`,
    );
  const fixed = new Map<number, string>();
  for (const n of names) {
    const q = cfg.policies[n].nfqueue?.queue;
    if (q === undefined) continue;
    if (fixed.has(q)) throw invalid(`policies.${n}.nfqueue.queue: ${q} is also the queue of policy ${fixed.get(q)}`);
    fixed.set(q, n);
  }
  const inUse = new Set([defaultPolicyName(cfg), ...cfg.rules.flatMap((r) => (r.policy ? [r.policy] : []))]);
  const used = new Set<number>();
  for (const n of names) {
    const own = cfg.policies[n].nfqueue?.queue;
    const free = (s: number) => !used.has(s) && (own !== undefined || (!fixed.has(base + s) && base + s <= 65535));
    let slot = (fnv1a(n) % capacity) + 1;
    let tries = 0;
    while (!free(slot) && tries++ < capacity) slot = (slot % capacity) + 1;
    if (!free(slot))
      throw invalid(
        `kernel.nfqueueBase: no free queue number for policy ${n} between ${base + 1} and ${Math.min(base + capacity, 65535)}; lower the base or set policies.${n}.nfqueue.queue`,
      );
    used.add(slot);
    out.policies.set(n, {
      strategy: nfqueueName(cfg.policies[n].strategy)!,
      slot,
      tag: slot * 2 ** shift,
      queue: own ?? base + slot,
      inUse: inUse.has(n),
    });
  }
  return out;
}
