// The NFQUEUE strategy interface (one decision per new connection, in TypeScript) and the registry built-in and user strategies share.

/** A new connection as its first packet shows it. */
export interface NewConnection {
  src: string;
  dst: string;
  /** Ports for TCP and UDP (undefined for ICMP and others). */
  sport?: number;
  dport?: number;
  /** `tcp`, `udp`, `icmp`, or the protocol number as text. */
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
  /** The WANs this queue may use now (in service), in member order. */
  wans(): readonly string[];
  /** Open connections on a WAN: conntrack events plus decisions the kernel has not confirmed yet. */
  connections(wan: string): number;
  /** The WAN's weight in this policy (its member weight, 1 when none is set; 1 for a WAN it does not list). */
  weight(wan: string): number;
  /** The strategy's options from the configuration. */
  options: Record<string, unknown>;
}

export type StrategyFactory = (ctx: StrategyContext) => NfqueueStrategy;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Strategies by name; user plugins register their own (`register('my-choice', (ctx) => ({ name, decide }))`). A
 * registry made with a parent also finds the parent's strategies (the engine's registry sits on the process-wide one).
 */
export class NfqueueStrategyRegistry {
  private readonly factories = new Map<string, { factory: StrategyFactory; owner: string }>();

  constructor(private readonly parent?: NfqueueStrategyRegistry) {}

  /** Registers a strategy; the name is what a policy writes after `nfqueue:`. Duplicate or malformed names throw. */
  register(name: string, factory: StrategyFactory, owner = 'user'): void {
    if (!NAME.test(name)) throw new Error(`nfqueue strategy name ${JSON.stringify(name)} (from ${owner}): use a lower-case letter, then letters, digits or '-'`);
    const had = this.entry(name);
    if (had) throw new Error(`nfqueue strategy '${name}' from ${owner} is already registered by ${had.owner}`);
    if (typeof factory !== 'function') throw new Error(`nfqueue strategy '${name}' from ${owner}: the factory must be a function`);
    this.factories.set(name, { factory, owner });
  }

  unregister(name: string): boolean {
    return this.factories.delete(name);
  }

  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  names(): string[] {
    return [...new Set([...this.factories.keys(), ...(this.parent?.names() ?? [])])].sort();
  }

  private entry(name: string): { factory: StrategyFactory; owner: string } | undefined {
    return this.factories.get(name) ?? this.parent?.entry(name);
  }

  /** Builds a strategy; an unknown name throws, naming the ones that exist. */
  create(name: string, ctx: StrategyContext): NfqueueStrategy {
    const f = this.entry(name);
    if (!f) throw new Error(`unknown nfqueue strategy '${name}'; registered: ${this.names().join(', ') || 'none'}`);
    const s = f.factory(ctx);
    if (!s || typeof s.decide !== 'function') throw new Error(`nfqueue strategy '${name}' (from ${f.owner}) returned no decide() function`);
    return s;
  }
}

/** `nfqueue:<name>` → `<name>`; anything else → undefined. The form a policy's strategy takes. */
export function nfqueueStrategyName(policyStrategy: string): string | undefined {
  const m = /^nfqueue:(.+)$/.exec(policyStrategy);
  return m ? m[1] : undefined;
}
