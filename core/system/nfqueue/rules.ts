// The queueing rules, in a chain mwan owns in iptables-nft's nat table (and ip6tables' for IPv6): render as argv, apply idempotently, remove only mwan's.
import { hex } from '../../../config/schema/validators.ts';
import type { Runner } from '../process/runner.ts';

/** One queue and the new connections it gets. */
export interface QueueBinding {
  queue: number;
  /** iptables match arguments that select the connections, e.g. `['-i', 'lan0']` or `['-m', 'mark', '--mark', '0x10000/0x10000']`. */
  match: string[];
}

export interface NfqRulesSpec {
  /** mwan's bits of the packet and connection mark (kernel.markMask). */
  mask: number;
  /** A packet-mark bit outside `mask` that a verdict sets: "decided, save my WAN into the connection mark". */
  doneBit: number;
  bindings: QueueBinding[];
  /** Chain names (default MWAN_NFQ and MWAN_NFQ_DONE). */
  chain?: string;
  /** The iptables program (default `iptables`, i.e. iptables-nft on these systems). */
  iptables?: string;
  /** The same rules for IPv6 new connections in ip6tables' nat table (ipv6.mode npt); absent: IPv4 only. */
  ipv6?: boolean;
  /** The ip6tables program (default `ip6tables`). */
  ip6tables?: string;
}

export const NFQ_CHAIN = 'MWAN_NFQ';
/** The comment on the jump from PREROUTING: how mwan recognises (and removes) its own rule. */
export const NFQ_COMMENT = 'mwan-nfqueue';
const TABLE = 'nat';

export interface RenderedRules {
  chain: string;
  done: string;
  /** The jump, as iptables arguments after the chain name. */
  jump: string[];
  /** Rules of `chain` and `done`, in order, as iptables arguments after the chain name. */
  rules: string[][];
  doneRules: string[][];
}

export function renderNfqRules(s: NfqRulesSpec): RenderedRules {
  if ((s.doneBit & s.mask) !== 0 || s.doneBit === 0 || (s.doneBit & (s.doneBit - 1)) !== 0) {
    throw new Error(`nfqueue doneBit ${hex(s.doneBit)} must be one bit outside the mark mask ${hex(s.mask)}`);
  }
  const chain = s.chain ?? NFQ_CHAIN;
  const done = `${chain}_DONE`;
  const bit = `${hex(s.doneBit)}/${hex(s.doneBit)}`;
  return {
    chain,
    done,
    jump: ['-m', 'comment', '--comment', NFQ_COMMENT, '-j', chain],
    rules: [
      // Back from user space (NF_REPEAT): the hook runs again with the verdict's mark; save it, never queue again.
      ['-m', 'mark', '--mark', bit, '-g', done],
      ...s.bindings.map((b) => {
        if (!Number.isInteger(b.queue) || b.queue < 0 || b.queue > 65535)
          throw new Error(`nfqueue: queue number ${b.queue} is not 0..65535`);
        return [
          ...b.match,
          '-m',
          'conntrack',
          '--ctstate',
          'NEW',
          '-j',
          'NFQUEUE',
          '--queue-num',
          String(b.queue),
          '--queue-bypass',
        ];
      }),
    ],
    doneRules: [
      // mwan's bits of the connection mark := the verdict's (overriding the kernel's numgen choice, if any).
      ['-j', 'CONNMARK', '--save-mark', '--nfmask', hex(s.mask), '--ctmask', hex(s.mask)],
      ['-j', 'MARK', '--set-xmark', `0x0/${hex(s.doneBit)}`],
    ],
  };
}

const programs = (s: Pick<NfqRulesSpec, 'iptables' | 'ip6tables'>) => ({
  ipt: [s.iptables ?? 'iptables', '-w', '-t', TABLE],
  ipt6: [s.ip6tables ?? 'ip6tables', '-w', '-t', TABLE],
});

/** Every command apply would run on empty tables, as argv (for plans and tests). */
export function applyCommands(s: NfqRulesSpec): string[][] {
  const r = renderNfqRules(s);
  const { ipt, ipt6 } = programs(s);
  return (s.ipv6 ? [ipt, ipt6] : [ipt]).flatMap((p) => [
    [...p, '-N', r.done],
    [...p, '-N', r.chain],
    ...r.doneRules.map((x) => [...p, '-A', r.done, ...x]),
    ...r.rules.map((x) => [...p, '-A', r.chain, ...x]),
    [...p, '-I', 'PREROUTING', '1', ...r.jump],
  ]);
}

async function syncChain(run: Runner, ipt: string[], chain: string, rules: string[][]): Promise<boolean> {
  const listed = await run([...ipt, '-S', chain], { allowFailure: true });
  if (listed.exitCode !== 0) await run([...ipt, '-N', chain]);
  else {
    const present = listed.stdout.split('\n').filter((l) => l.startsWith('-A ')).length;
    if (present === rules.length) {
      const checks = await Promise.all(rules.map((x) => run([...ipt, '-C', chain, ...x], { allowFailure: true })));
      if (checks.every((c) => c.exitCode === 0)) return false;
    }
    await run([...ipt, '-F', chain]);
  }
  for (const x of rules) await run([...ipt, '-A', chain, ...x]);
  return true;
}

/**
 * Brings mwan's chains and the jump to the wanted state, in iptables and with `ipv6` in ip6tables (without it, mwan's
 * chains left in ip6tables by an earlier configuration are removed); returns whether anything changed. A second call
 * is a no-op.
 */
export async function applyNfqRules(run: Runner, s: NfqRulesSpec): Promise<boolean> {
  const r = renderNfqRules(s);
  const { ipt, ipt6 } = programs(s);
  let changed = await applyWith(run, ipt, r);
  if (s.ipv6) return (await applyWith(run, ipt6, r)) || changed;
  if ((await run([...ipt6, '-S', r.chain], { allowFailure: true })).exitCode === 0) {
    await removeWith(run, ipt6, r.chain);
    changed = true;
  }
  return changed;
}

async function applyWith(run: Runner, ipt: string[], r: RenderedRules): Promise<boolean> {
  let changed = await syncChain(run, ipt, r.done, r.doneRules);
  changed = (await syncChain(run, ipt, r.chain, r.rules)) || changed;
  const jumps = await ownJumps(run, ipt);
  const wanted = ['-A', 'PREROUTING', ...r.jump].join(' ');
  if (jumps.length === 1 && jumps[0] === wanted) return changed;
  for (const j of jumps) await run([...ipt, ...toDelete(j)]);
  await run([...ipt, '-I', 'PREROUTING', '1', ...r.jump]);
  return true;
}

/** Removes the jump(s) carrying mwan's comment and mwan's chains, in iptables and ip6tables; leaves every other rule alone. */
export async function removeNfqRules(
  run: Runner,
  s: Pick<NfqRulesSpec, 'chain' | 'iptables' | 'ip6tables'> = {},
): Promise<void> {
  const { ipt, ipt6 } = programs(s);
  for (const p of [ipt, ipt6]) await removeWith(run, p, s.chain ?? NFQ_CHAIN);
}

async function removeWith(run: Runner, ipt: string[], chain: string): Promise<void> {
  for (const j of await ownJumps(run, ipt)) await run([...ipt, ...toDelete(j)], { allowFailure: true });
  for (const c of [chain, `${chain}_DONE`]) await run([...ipt, '-F', c], { allowFailure: true });
  for (const c of [chain, `${chain}_DONE`]) await run([...ipt, '-X', c], { allowFailure: true });
}

/** `-A PREROUTING …` lines of PREROUTING that carry mwan's comment. */
async function ownJumps(run: Runner, ipt: string[]): Promise<string[]> {
  const r = await run([...ipt, '-S', 'PREROUTING'], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-A PREROUTING ') && l.split(/\s+/).includes(NFQ_COMMENT));
}

/** `-A PREROUTING x y` → `-D PREROUTING x y` (mwan's own rules have no quoted arguments). */
const toDelete = (line: string): string[] => ['-D', ...line.split(/\s+/).slice(1)];
