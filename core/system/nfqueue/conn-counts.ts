// Open connections per WAN for least-connections: conntrack events applied one by one (a listing only at start and after lost events), plus decisions not yet confirmed.
import type { ConntrackRecord } from '../conntrack/parse.ts';
import { OpenFlows } from '../conntrack/open-flows.ts';

/** What is read from a conntrack record (core/system/conntrack's parser makes them). */
export type FlowEvent = Pick<
  ConntrackRecord,
  'type' | 'id' | 'proto' | 'state' | 'src' | 'dst' | 'sport' | 'dport' | 'mark'
>;

/** A conntrack event source: core/system/conntrack/feed.ts's ConntrackFeed, or a test double. */
export interface FlowFeed {
  subscribe(s: { event(r: FlowEvent): void; resync?(): void }): () => void;
  list(): Promise<FlowEvent[]>;
}

const tupleKey = (
  proto: string,
  src: string,
  sport: number | undefined,
  dst: string,
  dport: number | undefined,
): string => `${proto} ${src} ${sport ?? ''} ${dst} ${dport ?? ''}`;

export class ConnectionCounts {
  private readonly flows: OpenFlows;
  /** Decisions whose conntrack NEW event has not come yet, oldest first: tuple → { mark, at }. */
  private readonly pending = new Map<string, { key: number; at: number }>();
  private readonly pendingBy = new Map<number, number>();

  constructor(
    private readonly mask: number,
    private readonly pendingMs = 3000,
    private readonly now: () => number = Date.now,
  ) {
    this.flows = new OpenFlows(mask);
  }

  /** Open plus pending connections carrying this WAN mark. */
  count(mark: number): number {
    this.expire();
    const key = (mark & this.mask) >>> 0;
    return this.flows.count(key) + (this.pendingBy.get(key) ?? 0);
  }

  /** Records a verdict at once, so a burst of new connections does not all go to the WAN that was least loaded before it. */
  decided(c: { proto: string; src: string; sport?: number; dst: string; dport?: number }, mark: number): void {
    const k = tupleKey(c.proto, c.src, c.sport, c.dst, c.dport);
    if (this.pending.has(k)) this.unpend(k);
    const key = (mark & this.mask) >>> 0;
    this.pending.set(k, { key, at: this.now() });
    this.bumpPending(key, 1);
  }

  event(r: FlowEvent): void {
    if (r.type === 'NEW' || r.type === 'LIST') this.unpend(tupleKey(r.proto, r.src, r.sport, r.dst, r.dport));
    this.flows.apply(r);
  }

  /** Replaces the open connections with a listing (pending decisions stay). */
  load(list: FlowEvent[]): void {
    this.flows.clear();
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
      return feed
        .list()
        .then((l) => {
          const late = during ?? [];
          this.load(l);
          for (const r of late) this.event(r);
        }, onError)
        .finally(() => {
          during = undefined;
        });
    };
    const stop = feed.subscribe({
      event: (r) => {
        during?.push(r);
        this.event(r);
      },
      resync: () => {
        void resync();
      },
    });
    return { stop, listed: resync() };
  }

  private bumpPending(key: number, n: number): void {
    if (key === 0) return;
    const v = (this.pendingBy.get(key) ?? 0) + n;
    if (v > 0) this.pendingBy.set(key, v);
    else this.pendingBy.delete(key);
  }

  private unpend(k: string): void {
    const p = this.pending.get(k);
    if (!p) return;
    this.pending.delete(k);
    this.bumpPending(p.key, -1);
  }

  private expire(): void {
    const limit = this.now() - this.pendingMs;
    for (const [k, p] of this.pending) {
      if (p.at > limit) break;
      this.unpend(k);
    }
  }
}
