// The desired kernel state as data: routes, ip rules and nft objects that plugins contribute and renderers turn into text.

export interface Nexthop {
  via?: string;
  dev: string;
  weight?: number;
  onlink?: boolean;
}

/** The address family a route or rule belongs to (`ip` or `ip -6`); absent means IPv4. */
export type IpFamily = 'ipv4' | 'ipv6';

export interface RouteSpec {
  /** IPv6 routes go to `ip -6` (`dst: 'default'` alone does not say which family); absent: IPv4. */
  family?: IpFamily;
  table: number;
  /** A route that answers instead of forwarding (no via, dev or nexthops); unicast when absent. */
  type?: 'unreachable' | 'blackhole';
  /** 'default' or a prefix such as 100.64.1.0/30. */
  dst: string;
  /** A single path (`via`/`dev`) or several weighted `nexthops`. */
  via?: string;
  dev?: string;
  nexthops?: Nexthop[];
  src?: string;
  scope?: 'link' | 'global';
  metric?: number;
  onlink?: boolean;
  /** The plugin that asked for it (shown in plans and errors). */
  owner?: string;
}

export interface RuleSpec {
  /** IPv6 rules go to `ip -6 rule`; absent: IPv4. */
  family?: IpFamily;
  priority: number;
  from?: string;
  to?: string;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  table: number;
  suppressPrefixLength?: number;
  owner?: string;
}

export interface BaseChainSpec {
  type: 'filter' | 'nat' | 'route';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority: number;
  policy?: 'accept' | 'drop';
}

export interface ChainSpec {
  name: string;
  base?: BaseChainSpec;
  /** Rule statements in nft syntax; names inside must come from validated config. */
  rules: string[];
  owner?: string;
}

export interface SetSpec {
  name: string;
  /** 'set' or 'map'; for a map, `type` is e.g. `ipv4_addr : mark`. */
  kind: 'set' | 'map';
  type: string;
  flags?: string[];
  timeout?: string;
  /** Static elements, replaced on every apply. Omit for sets filled at run time (kept across applies). */
  elements?: string[];
  owner?: string;
}

export interface NftDesired {
  chains: ChainSpec[];
  sets: SetSpec[];
  /** Named counters; their values survive applies. */
  counters: string[];
}

/** A kernel setting under /proc/sys, e.g. key `net/ipv4/conf/wan1/rp_filter`; the previous value is restored on stop. */
export interface SysctlSpec {
  key: string;
  value: string;
  owner?: string;
}

export interface DesiredState {
  routes: RouteSpec[];
  rules: RuleSpec[];
  nft: NftDesired;
  sysctls: SysctlSpec[];
}

/** A spec's family: IPv6 only when it says so. */
export const familyOf = (spec: { family?: IpFamily }): IpFamily => spec.family ?? 'ipv4';

export function emptyDesired(): DesiredState {
  return { routes: [], rules: [], nft: { chains: [], sets: [], counters: [] }, sysctls: [] };
}

/** The surface a plugin writes to during a reconcile; it stamps the owner on what it adds. */
export class DesiredBuilder {
  readonly state: DesiredState = emptyDesired();
  private owner = 'core';

  as(owner: string): this {
    this.owner = owner;
    return this;
  }
  route(spec: RouteSpec): this {
    this.state.routes.push({ ...spec, owner: this.owner });
    return this;
  }
  rule(spec: RuleSpec): this {
    this.state.rules.push({ ...spec, owner: this.owner });
    return this;
  }
  chain(spec: ChainSpec): this {
    this.state.nft.chains.push({ ...spec, owner: this.owner });
    return this;
  }
  set(spec: SetSpec): this {
    this.state.nft.sets.push({ ...spec, owner: this.owner });
    return this;
  }
  counter(name: string): this {
    this.state.nft.counters.push(name);
    return this;
  }
  sysctl(key: string, value: string | number): this {
    this.state.sysctls.push({ key, value: String(value), owner: this.owner });
    return this;
  }
}
