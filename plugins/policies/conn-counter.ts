// Open connections per WAN mark, kept incrementally from conntrack events (NEW, closing TCP states, DESTROY); a listing only at start and after lost events.
import type { ConntrackRecord } from '../../core/kernel/conntrack/parse.ts';

/** TCP states of a connection that is going away: it no longer counts as open. */
const CLOSING = new Set(['FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE']);

export class ConnCounter {
  private readonly flows = new Map<number, { key: number; open: boolean }>();
  private readonly open = new Map<number, number>();
  /** New connections seen since the counter started (monotonic). */
  arrivals = 0;
  /** Events that arrived while a listing was being read (replayed on top of it). */
  private buffered: ConntrackRecord[] | undefined;

  constructor(private readonly mask: number) {}

  /** Open connections whose mark, under mwan's mask, is `mark`. */
  count(mark: number): number {
    return this.open.get(mark) ?? 0;
  }

  private add(key: number, n: number): void {
    if (key !== 0) this.open.set(key, (this.open.get(key) ?? 0) + n);
  }

  private close(id: number): void {
    const f = this.flows.get(id);
    if (f?.open) { f.open = false; this.add(f.key, -1); }
  }

  event(r: ConntrackRecord): void {
    if (this.buffered) {
      this.buffered.push(r);
      if (r.type === 'NEW') this.arrivals++;
      return;
    }
    this.apply(r);
  }

  private apply(r: ConntrackRecord): void {
    const key = (r.mark & this.mask) >>> 0;
    if (r.type === 'NEW' || r.type === 'LIST') {
      if (this.flows.has(r.id)) return;
      const open = !(r.state && CLOSING.has(r.state));
      this.flows.set(r.id, { key, open });
      if (open) this.add(key, 1);
      if (r.type === 'NEW' && !this.replaying) this.arrivals++;
      return;
    }
    if (r.type === 'DESTROY') {
      this.close(r.id);
      this.flows.delete(r.id);
      return;
    }
    const f = this.flows.get(r.id);
    if (!f) return; // began before the counter: the next listing picks it up
    if (f.open && f.key !== key) { this.add(f.key, -1); this.add(key, 1); }
    f.key = key;
    if (r.state && CLOSING.has(r.state)) this.close(r.id);
  }

  private replaying = false;

  /** Call before reading a listing: events from now on wait and are replayed on top of it. */
  beginLoad(): void {
    this.buffered ??= [];
  }

  /** Replaces everything with a listing of the table, then replays the events that came in while it was read. */
  load(list: ConntrackRecord[]): void {
    const pending = this.buffered ?? [];
    this.buffered = undefined;
    this.flows.clear();
    this.open.clear();
    for (const r of list) this.apply({ ...r, type: 'LIST' });
    this.replaying = true;
    try { for (const r of pending) this.apply(r); } finally { this.replaying = false; }
  }
}
