// The kernel boundary's interface: read mwan's current state and the links, apply a plan, watch for netlink changes.
import type { Layout } from '../../../config/schema/identifiers.ts';
import type { DesiredState, RouteSpec, RuleSpec } from '../../reconcile/desired.ts';
import type { Ownership } from './ip-read.ts';
import type { CurrentNft } from './nft-read.ts';
import type { NfqueueKernel } from '../nfqueue/adapters.ts';

export interface KernelOwnership extends Ownership {
  nftTable: string;
}

/** What of the kernel is mwan's under `layout`: its route protocol, rule priorities, tables and nft table. */
export function ownershipOf(layout: Layout): KernelOwnership {
  return {
    routeProtocol: layout.routeProtocol,
    priorityRange: layout.priorityRange,
    tableRange: layout.tableRange,
    nftTable: layout.nftTable,
  };
}

/** The nft families a table may be listed from, and one object of `nft -j` output (`{ rule: {...} }`, `{ chain: {...} }` ...). */
export type NftFamily = 'inet' | 'ip' | 'ip6';
export type NftJsonItem = Record<string, Record<string, unknown>>;

/** Named nft counters by name. */
export type NftCounters = Record<string, { packets: number; bytes: number }>;

export interface KernelSnapshot {
  nft: CurrentNft | null;
  routes: RouteSpec[];
  rules: RuleSpec[];
}

export interface LinkAddress {
  address: string;
  prefixLength: number;
}
export interface LinkState {
  name: string;
  /** Administratively up (`ip link set up`). */
  adminUp: boolean;
  /** Carrier present (LOWER_UP). */
  carrier: boolean;
  pointToPoint: boolean;
  addresses: LinkAddress[];
  /** Its global IPv6 addresses (RFC 5952 form), when observed: the source of the WAN's IPv6 probes. */
  addresses6?: LinkAddress[];
}

/** A default route someone else installed (DHCP client, ifupdown): used to discover a WAN's gateway. */
export interface ForeignDefault {
  dev: string;
  via?: string;
  table: number;
  metric?: number;
}

/** What the kernel shows of IPv6 (issue 13): the facts of a WAN's `auto` IPv6 fields come from it. */
export interface Observed6 {
  /** Usable global addresses (RFC 5952 form), per device, in the order `ip` lists them. */
  addresses: { dev: string; address: string; prefixLength: number }[];
  /** IPv6 default routes mwan did not install (an RA's `proto ra`, a DHCP client's): a WAN's gateway. */
  defaults: ForeignDefault[];
  /** Prefixes routed in main: unreachable/blackhole ones (a DHCPv6-PD client's delegated prefix) and on-device ones. */
  delegated: { prefix: string; dev?: string }[];
}

export interface ObservedNetwork {
  links: LinkState[];
  defaults: ForeignDefault[];
  /** IPv6 facts; absent when not read (the in-memory kernel of tests written before IPv6). */
  ipv6?: Observed6;
}

export interface ApplyPlan {
  /** The `nft -f` script, empty when the table already matches. */
  nft: string;
  /** The `ip -batch` lines, empty when routes and rules already match. */
  ip: string[];
  /** The `ip -6 -batch` lines (IPv6 routes and rules), run after the IPv4 ones; absent or empty when they match. */
  ip6?: string[];
  /** iptables commands (argv) for the NFQUEUE policies' queue rules, when they change (run one by one). */
  iptables?: string[][];
  /** Kernel settings to write, as `key=value` under /proc/sys. */
  sysctl: { key: string; value: string }[];
  /** The state the plan converges to (the in-memory adapter adopts it). */
  target?: DesiredState;
  /**
   * mwan's routes and rules the plan was diffed against, and how to recognise them: an apply that fails half-way
   * puts them back (without it, a failed `ip -batch` leaves its first lines applied).
   */
  before?: { routes: RouteSpec[]; rules: RuleSpec[]; ownership: Ownership };
}

/** A link change as netlink reported it (name, flags), enough to act before re-reading everything. */
export interface LinkHint {
  name: string;
  adminUp: boolean;
  carrier: boolean;
  deleted: boolean;
}

/** What a monitor saw change in mwan's own state (its nft table, an ip rule or route it owns, its NFQUEUE rules). */
export type OwnStateKind = 'nft' | 'rule' | 'route' | 'nfqueue';
export interface OwnStateChange {
  kind: OwnStateKind;
  /** For logs, e.g. `nft table inet mwan deleted` or `ip rule 1000 deleted (from all fwmark 0x100/0xff00 lookup 201)`. */
  what: string;
  deleted: boolean;
}

/** Watch mwan's own state too: changes to it (including mwan's own applies) are reported to `onChange`. */
export interface OwnWatch {
  ownership: KernelOwnership;
  onChange(change: OwnStateChange): void;
}

/** Everything mwan owns in the kernel, as it was at one moment (for `apply --confirm` rollbacks). */
export interface SavedState {
  /** `nft list table` output of mwan's table (null when there was none); fed back to `nft -f` on restore. */
  nftText: string | null;
  routes: RouteSpec[];
  rules: RuleSpec[];
  sysctls: Record<string, string | null>;
}

export interface KernelAdapter {
  readonly kind: 'system' | 'dry-run' | 'memory';
  /** NFQUEUE: the queue rules of `nfqueue:<name>` policies and their listeners. */
  readonly nfqueue: NfqueueKernel;
  read(own: KernelOwnership): Promise<KernelSnapshot>;
  observe(own: KernelOwnership): Promise<ObservedNetwork>;
  /** Both at once, as cheaply as the adapter can (the daemon's hot path: event → reconcile). */
  snapshot(own: KernelOwnership): Promise<{ observed: ObservedNetwork; current: KernelSnapshot }>;
  apply(plan: ApplyPlan): Promise<void>;
  /** Saves mwan's state (its table, routes, rules and the given sysctls). */
  saveState(own: KernelOwnership, sysctlKeys: string[]): Promise<SavedState>;
  /** Puts a saved state back exactly: the table as listed, routes and rules via one ip batch, the sysctls. */
  restoreState(own: KernelOwnership, saved: SavedState): Promise<void>;
  /** Deletes the conntrack entries whose mark matches `mark` under `mask`; returns how many went. */
  deleteConnections(mark: number, mask: number, family?: 'ipv4' | 'ipv6'): Promise<number>;
  /**
   * Drops `device`'s neighbour entries for `addresses` that are unresolved (INCOMPLETE or FAILED), so the next packet
   * to them solicits at once (a carrier came back: see neighbours.ts). Returns problems, never throws. Optional.
   */
  refreshNeighbours?(device: string, addresses: string[]): Promise<string[]>;
  /** Reads /proc/sys values; null for a key that does not exist (for example a device that is gone). */
  readSysctls(keys: string[]): Promise<Record<string, string | null>>;
  /**
   * Read-only: the objects of one nft table as `nft -j list table` gives them (the `nftables` array without its
   * metainfo), or null when the table does not exist. Family and name are validated; nothing is changed.
   */
  listNftTable?(family: NftFamily, name: string): Promise<NftJsonItem[] | null>;
  /** Read-only: the named counters of mwan's table `table` (`nft -j list counters table inet …`), null without it. */
  readCounters?(table: string): Promise<NftCounters | null>;
  /**
   * Whether the configuration puts IPv6 in play: when not, an adapter may leave out IPv6 reads once it has seen mwan
   * holds no IPv6 state (an empty IPv6 side is assumed). Not called: everything is read.
   */
  useIpv6?(inPlay: boolean): void;
  /**
   * Calls `onChange` when links, addresses or routes change — with a hint when the change is a link's
   * flags — and, with `own`, reports changes to mwan's own table, rules and routes to `own.onChange` instead;
   * returns a function that stops watching.
   */
  watch(onChange: (hint?: LinkHint) => void, own?: OwnWatch): () => void;
}

export function planIsEmpty(plan: ApplyPlan): boolean {
  return (
    plan.nft === '' && plan.ip.length === 0 && !plan.ip6?.length && plan.sysctl.length === 0 && !plan.iptables?.length
  );
}
