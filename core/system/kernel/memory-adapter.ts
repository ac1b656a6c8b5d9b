// An in-memory kernel for unit tests: it adopts each plan's target state and records every script it was given.
import type {
  ApplyPlan,
  KernelAdapter,
  KernelSnapshot,
  LinkHint,
  NftCounters,
  NftFamily,
  NftJsonItem,
  ObservedNetwork,
  OwnStateChange,
  OwnWatch,
  SavedState,
} from './adapter.ts';
import { stateAfter } from './state-after.ts';
import { MemoryNfqueue } from '../nfqueue/adapters.ts';

export class MemoryKernel implements KernelAdapter {
  readonly kind = 'memory' as const;
  readonly nfqueue = new MemoryNfqueue();
  readonly plans: ApplyPlan[] = [];
  state: KernelSnapshot = { nft: null, routes: [], rules: [] };
  private listeners = new Set<(hint?: LinkHint) => void>();
  /** /proc/sys as a map; keys absent here read as null. */
  sysctls: Record<string, string> = {};

  constructor(public network: ObservedNetwork = { links: [], defaults: [] }) {}

  async read(): Promise<KernelSnapshot> {
    return structuredClone(this.state);
  }

  async observe(): Promise<ObservedNetwork> {
    return structuredClone(this.network);
  }

  async snapshot(): Promise<{ observed: ObservedNetwork; current: KernelSnapshot }> {
    return { observed: await this.observe(), current: await this.read() };
  }

  async saveState(_own: unknown, sysctlKeys: string[]): Promise<SavedState> {
    return {
      nftText: this.state.nft ? JSON.stringify([...this.state.nft.chains.keys()]) : null,
      routes: structuredClone(this.state.routes),
      rules: structuredClone(this.state.rules),
      sysctls: await this.readSysctls(sysctlKeys),
      saved: structuredClone(this.state),
    } as SavedState;
  }

  async restoreState(_own: unknown, saved: SavedState): Promise<void> {
    this.state = structuredClone((saved as SavedState & { saved: KernelSnapshot }).saved);
    for (const [k, v] of Object.entries(saved.sysctls)) if (v !== null) this.sysctls[k] = v;
  }

  /** Conntrack entries as their marks (IPv4's, and IPv6's apart); deleteConnections removes the matching ones. */
  connections: number[] = [];
  connections6: number[] = [];

  async deleteConnections(mark: number, mask: number, family?: 'ipv4' | 'ipv6'): Promise<number> {
    const keep = (list: number[]) => list.filter((m) => (m & mask) >>> 0 !== (mark & mask) >>> 0);
    const before = this.connections.length + this.connections6.length;
    if (family !== 'ipv6') this.connections = keep(this.connections);
    if (family !== 'ipv4') this.connections6 = keep(this.connections6);
    return before - this.connections.length - this.connections6.length;
  }

  /** Neighbour refreshes asked for, as `<device> <address>`. */
  refreshed: string[] = [];

  async refreshNeighbours(device: string, addresses: string[]): Promise<string[]> {
    for (const a of addresses) this.refreshed.push(`${device} ${a}`);
    return [];
  }

  async readSysctls(keys: string[]): Promise<Record<string, string | null>> {
    return Object.fromEntries(keys.map((k) => [k, this.sysctls[k] ?? null]));
  }

  /** Other programs' nft tables as `nft -j` objects, by `<family> <name>` (absent: the table does not exist). */
  nftTables: Record<string, NftJsonItem[]> = {};

  async listNftTable(family: NftFamily, name: string): Promise<NftJsonItem[] | null> {
    const items = this.nftTables[`${family} ${name}`];
    return items ? structuredClone(items) : null;
  }

  /** Counter values a test sets (traffic), by name; counters of the table not named here read as they were applied. */
  counterValues: NftCounters = {};

  async readCounters(): Promise<NftCounters | null> {
    if (!this.state.nft) return null;
    const out: NftCounters = {};
    for (const [name, v] of this.state.nft.counters) out[name] = { ...(this.counterValues[name] ?? v) };
    return out;
  }

  async apply(plan: ApplyPlan): Promise<void> {
    this.plans.push(plan);
    for (const { key, value } of plan.sysctl) this.sysctls[key] = value;
    this.state = stateAfter(plan, this.state);
  }

  /** Simulates a netlink notification after changing `network`. */
  notify(hint?: LinkHint): void {
    for (const l of this.listeners) l(hint);
  }

  private ownListeners = new Set<(change: OwnStateChange) => void>();

  /** Simulates a monitor reporting a change to mwan's own state (after changing `state`). */
  notifyOwn(change: OwnStateChange): void {
    for (const l of this.ownListeners) l(change);
  }

  watch(onChange: (hint?: LinkHint) => void, own?: OwnWatch): () => void {
    this.listeners.add(onChange);
    const onOwn = own ? (c: OwnStateChange) => own.onChange(c) : undefined;
    if (onOwn) this.ownListeners.add(onOwn);
    return () => {
      this.listeners.delete(onChange);
      if (onOwn) this.ownListeners.delete(onOwn);
    };
  }
}
