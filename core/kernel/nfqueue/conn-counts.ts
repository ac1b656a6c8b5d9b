// Open connections per WAN for least-connections: conntrack events applied one by one (a listing only at start and after lost events), plus decisions not yet confirmed.
import type { ConntrackRecord } from '../conntrack/parse.ts';

/** What is read from a conntrack record (core/kernel/conntrack's parser makes them). */
export type FlowEvent = Pick<ConntrackRecord, 'type' | 'id' | 'proto' | 'state' | 'src' | 'dst' | 'sport' | 'dport' | 'mark'>;

/** A conntrack event source: core/kernel/conntrack/feed.ts's ConntrackFeed, or a test double. */
export interface FlowFeed {
  subscribe(s: { event(r: FlowEvent): void; resync?(): void }): () => void;
  list(): Promise<FlowEvent[]>;
}

/** TCP states of a connection that is going away: it no longer counts as open. */
const CLOSING = new Set(['FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE']);

const tupleKey = (proto: string, src: string, sport: number | undefined, dst: string, dport: number | undefined): string =>
  `${proto} ${src} ${sport ?? ''} ${dst} ${dport ?? ''}`;

export class ConnectionCounts {
  private readonly flows = new Map<number, { key: number; open: boolean }>();
  /** Open connections by mwan mark (mark & mask). */
  private readonly open = new Map<number, number>();
  /** Decisions whose conntrack NEW event has not come yet, oldest first: tuple → { mark, at }. */
  private readonly pending = new Map<string, { key: number; at: number }>();
  private readonly pendingBy = new Map<number, number>();

  constructor(private readonly mask: number, private readonly pendingMs = 3000, private readonly now: () => number = Date.now) {}

  /** Open plus pending connections carrying this WAN mark. */
  count(mark: number): number {
    this.expire();
    const key = (mark & this.mask) >>> 0;
    return (this.open.get(key) ?? 0) + (this.pendingBy.get(key) ?? 0);
  }

  /** Records a verdict at once, so a burst of new connections does not all go to the WAN that was least loaded before it. */
  decided(c: { proto: string; src: string; sport?: number; dst: string; dport?: number }, mark: number): void {
    const k = tupleKey(c.proto, c.src, c.sport, c.dst, c.dport);
    if (this.pending.has(k)) this.unpend(k);
    const key = (mark & this.mask) >>> 0;
    this.pending.set(k, { key, at: this.now() });
    this.bump(this.pendingBy, key, 1);
  }

  event(r: FlowEvent): void {
    const key = (r.mark & this.mask) >>> 0;
    if (r.type === 'NEW' || r.type === 'LIST') {
      this.unpend(tupleKey(r.proto, r.src, r.sport, r.dst, r.dport));
      if (this.flows.has(r.id)) return;
      const open = !(r.state && CLOSING.has(r.state));
      this.flows.set(r.id, { key, open });
      if (open) this.bump(this.open, key, 1);
      return;
    }
    const f = this.flows.get(r.id);
    if (r.type === 'DESTROY') {
      if (f?.open) this.bump(this.open, f.key, -1);
      this.flows.delete(r.id);
      return;
    }
    if (!f) return; // began before we listened: the next listing has it
    if (f.open && f.key !== key) { this.bump(this.open, f.key, -1); this.bump(this.open, key, 1); }
    f.key = key;
    if (f.open && r.state && CLOSING.has(r.state)) { f.open = false; this.bump(this.open, key, -1); }
  }

  /** Replaces the open connections with a listing (pending decisions stay). */
  load(list: FlowEvent[]): void {
    this.flows.clear();
    this.open.clear();
    for (const r of list) this.event({ ...r, type: 'LIST' });
  }

  /**
   * Follows a feed: events as they come, a listing now and after lost events. Events that arrive while a listing
   * is on its way are applied at once and again on top of it (the listing may predate them). `listed` settles after
   * the first listing.
   */
  follow(feed: FlowFeed, onError: (e: unknown) => void = () => {}): { stop(): void; listed: Promise<void> } {
    let during: FlowEvent[] | undefined;
    const resync = (): Promise<void> => {
      if (during) return Promise.resolve();
      during = [];
      return feed.list().then((l) => { const late = during ?? []; this.load(l); for (const r of late) this.event(r); }, onError)
        .finally(() => { during = undefined; });
    };
    const stop = feed.subscribe({ event: (r) => { during?.push(r); this.event(r); }, resync: () => { void resync(); } });
    return { stop, listed: resync() };
  }

  private bump(m: Map<number, number>, key: number, n: number): void {
    if (key === 0) return;
    const v = (m.get(key) ?? 0) + n;
    if (v > 0) m.set(key, v); else m.delete(key);
  }

  private unpend(k: string): void {
    const p = this.pending.get(k);
    if (!p) return;
    this.pending.delete(k);
    this.bump(this.pendingBy, p.key, -1);
  }

  private expire(): void {
    const limit = this.now() - this.pendingMs;
    for (const [k, p] of this.pending) {
      if (p.at > limit) break;
      this.unpend(k);
    }
  }
}
