// The NFQUEUE strategy interface: one decision per new connection, in TypeScript (the strategies themselves and their registry belong to the policies plugin).

/** A new connection as its first packet shows it. */
export interface NewConnection {
  /** `ipv4`, or `ipv6` (ipv6.mode npt): then the addresses are IPv6 and `ctx.wans()` lists the WANs in service for IPv6. */
  family: 'ipv4' | 'ipv6';
  src: string;
  dst: string;
  /** Ports for TCP and UDP (undefined for ICMP and others). */
  sport?: number;
  dport?: number;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, or the protocol number as text. */
  proto: string;
  /** Input interface name (undefined if it could not be resolved), and its index. */
  iif?: string;
  iifIndex: number;
  /** The packet mark when it was queued (mwan's bits hold the kernel's own choice, if one was made). */
  mark: number;
}

export interface NfqueueStrategy {
  name: string;
  /** A WAN name from `ctx.wans()`, or undefined to keep the kernel's choice. Must be fast and synchronous; may throw (= undefined). */
  decide(conn: NewConnection): string | undefined;
  /** Set when `decide` reads `ctx.connections`: the service then follows conntrack before the queue is bound. */
  usesConnections?: boolean;
  /** Releases subscriptions and timers. */
  close?(): void;
}

/** What a strategy may ask about the world when it decides. */
export interface StrategyContext {
  /** The WANs this queue may use now (in service for the family of the connection being decided), in member order. */
  wans(): readonly string[];
  /** Open connections on a WAN: conntrack events plus decisions the kernel has not confirmed yet. */
  connections(wan: string): number;
  /** The WAN's weight in this policy (its member weight, 1 when none is set; 1 for a WAN it does not list). */
  weight(wan: string): number;
  /** The strategy's options from the configuration. */
  options: Record<string, unknown>;
}

export type StrategyFactory = (ctx: StrategyContext) => NfqueueStrategy;
