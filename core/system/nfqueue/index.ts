// The NFQUEUE service: a bound queue, a strategy built from the factory it is given, the runtime between them; what a policy `nfqueue:<name>` will start.
import { readdirSync, readFileSync } from 'node:fs';
import { NfqueueClient, type ClientStats } from './client.ts';
import { ConnectionCounts, type FlowFeed } from './conn-counts.ts';
import { NfqueueRuntime, weightOf, type RuntimeStats, type RuntimeWan } from './runtime.ts';
import type { StrategyFactory } from './strategy.ts';
import { openNetfilterSocket, type NetlinkTransport } from './transport.ts';

export {
  applyNfqRules,
  removeNfqRules,
  renderNfqRules,
  NFQ_CHAIN,
  NFQ_COMMENT,
  type NfqRulesSpec,
  type QueueBinding,
} from './rules.ts';
export type { NewConnection, NfqueueStrategy, StrategyContext, StrategyFactory } from './strategy.ts';
export type { RuntimeWan } from './runtime.ts';

/**
 * The packet-mark bit a verdict sets so the queue chain saves the decision and never queues the packet again (outside
 * the mark mask; checked with the config).
 */
export const NFQ_DONE_BIT = 0x80000000;

export interface NfqueueServiceOptions {
  queue: number;
  /** The strategy's name (`round-robin`, `least-connections`, or a user plugin's), as stats and logs show it. */
  strategy: string;
  /** Builds the strategy (the caller looked the name up in its registry). */
  factory: StrategyFactory;
  strategyOptions?: Record<string, unknown>;
  /** The WANs decisions may use now, with their marks (in service, member order); read on every decision. */
  wans: () => readonly RuntimeWan[];
  /** The same for IPv6 connections (in service for IPv6); default `wans`. */
  wans6?: () => readonly RuntimeWan[];
  /** mwan's mark mask. */
  mask: number;
  doneBit?: number;
  /** Conntrack events, for strategies that count connections (followed only once a strategy asks). */
  conntrack?: FlowFeed;
  /** Bytes copied per packet (default 64) and packets held before fail-open passes them (default 1024). */
  copyRange?: number;
  maxLen?: number;
  /** The netlink socket (tests pass a fake); default: a NETLINK_NETFILTER socket in this namespace. */
  transport?: NetlinkTransport;
  onProblem?: (what: string) => void;
}

export interface NfqueueService {
  readonly queue: number;
  readonly strategy: string;
  stats(): ClientStats & RuntimeStats;
  /** Unbinds and closes; the queue rule's --queue-bypass then lets new connections take the kernel's choice. */
  close(): Promise<void>;
}

/** Binds the queue and starts deciding. Rejects (closing the socket) when the queue cannot be bound. */
export async function startNfqueue(o: NfqueueServiceOptions): Promise<NfqueueService> {
  const problem = o.onProblem ?? (() => {});
  let counts: ConnectionCounts | undefined;
  let following: { stop(): void; listed: Promise<void> } | undefined;
  // The strategy asks while deciding one connection: the runtime answers with that connection's family's WANs.
  let runtime: NfqueueRuntime | undefined;
  const wansNow = () => runtime?.wansNow() ?? o.wans();
  const markOf = (wan: string) => wansNow().find((w) => w.name === wan)?.mark;
  const countsNow = (): ConnectionCounts => {
    if (!counts) {
      counts = new ConnectionCounts(o.mask);
      if (o.conntrack) following = counts.follow(o.conntrack, (e) => problem(`conntrack listing failed: ${String(e)}`));
    }
    return counts;
  };
  const strategy = o.factory({
    wans: () => wansNow().map((w) => w.name),
    connections: (wan) => {
      const mark = markOf(wan);
      return mark === undefined ? 0 : countsNow().count(mark);
    },
    weight: (wan) => weightOf(wansNow(), wan),
    options: o.strategyOptions ?? {},
  });
  // A counting strategy starts from the table as it is, before its first decision.
  if (strategy.usesConnections) {
    countsNow();
    await following?.listed;
  }
  const names = interfaceNames();
  runtime = new NfqueueRuntime({
    mask: o.mask,
    doneBit: o.doneBit ?? NFQ_DONE_BIT,
    strategy,
    wans: o.wans,
    wans6: o.wans6,
    ifName: names,
    onDecision: (conn, wan) => counts?.decided(conn, wan.mark),
    onProblem: problem,
  });
  const transport = o.transport ?? (await openNetfilterSocket());
  const client: NfqueueClient = new NfqueueClient(
    transport,
    { queue: o.queue, copyRange: o.copyRange, maxLen: o.maxLen },
    (p) => client.verdict(runtime.handle(p)),
    problem,
  );
  try {
    await client.bind();
  } catch (err) {
    transport.close();
    strategy.close?.();
    throw err;
  }
  return {
    queue: o.queue,
    strategy: o.strategy,
    stats: () => ({ ...client.stats, ...runtime.stats, decided: { ...runtime.stats.decided } }),
    async close() {
      following?.stop();
      strategy.close?.();
      await client.close();
    },
  };
}

/** Interface index → name from this namespace's /sys/class/net, re-read (at most once a second) for an unknown index. */
export function interfaceNames(root = '/sys/class/net'): (index: number) => string | undefined {
  let map = new Map<number, string>();
  let readAt = -Infinity;
  const read = () => {
    readAt = Date.now();
    const next = new Map<number, string>();
    try {
      for (const dev of readdirSync(root)) {
        try {
          next.set(Number(readFileSync(`${root}/${dev}/ifindex`, 'utf8').trim()), dev);
        } catch {
          /* gone meanwhile */
        }
      }
    } catch {
      /* no sysfs: names stay unknown */
    }
    map = next;
  };
  return (index) => {
    if (index === 0) return undefined;
    const hit = map.get(index);
    if (hit !== undefined || Date.now() - readAt < 1000) return hit;
    read();
    return map.get(index);
  };
}
