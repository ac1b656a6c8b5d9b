// Open connections per WAN mark, kept incrementally from conntrack events (NEW, closing TCP states, DESTROY); a listing only at start and after lost events.
import { type ConntrackRecord, OpenFlows } from '../../plugin-api/index.ts';

export class ConnCounter {
  private readonly flows: OpenFlows;
  /** New connections seen since the counter started (monotonic). */
  arrivals = 0;
  /** Events that arrived while a listing was being read (replayed on top of it). */
  private buffered: ConntrackRecord[] | undefined;

  constructor(mask: number) {
    this.flows = new OpenFlows(mask);
  }

  /** Open connections whose mark, under mwan's mask, is `mark`. */
  count(mark: number): number {
    return this.flows.count(mark);
  }

  event(r: ConntrackRecord): void {
    if (this.buffered) {
      this.buffered.push(r);
      if (r.type === 'NEW') this.arrivals++;
      return;
    }
    if (this.flows.apply(r) && r.type === 'NEW') this.arrivals++;
  }

  /** Call before reading a listing: events from now on wait and are replayed on top of it. */
  beginLoad(): void {
    this.buffered ??= [];
  }

  /** Replaces everything with a listing of the table, then replays the events that came in while it was read. */
  load(list: ConntrackRecord[]): void {
    const pending = this.buffered ?? [];
    this.buffered = undefined;
    this.flows.clear();
    for (const r of list) this.flows.apply({ ...r, type: 'LIST' });
    for (const r of pending) this.flows.apply(r); // their arrivals were counted when they came
  }
}
