// Open connections per WAN mark, kept incrementally from conntrack records: NEW and LIST add, closing TCP states and DESTROY remove.
import type { ConntrackRecord } from './parse.ts';

/** TCP states of a connection that is going away: it no longer counts as open. */
const CLOSING = new Set(['FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE']);

export class OpenFlows {
  private readonly flows = new Map<number, { key: number; open: boolean }>();
  /** Open connections by mwan mark (mark & mask). */
  private readonly open = new Map<number, number>();

  constructor(private readonly mask: number) {}

  /** Open connections whose mark, under mwan's mask, is `mark`'s. */
  count(mark: number): number {
    return this.open.get((mark & this.mask) >>> 0) ?? 0;
  }

  /** Applies one record; true when it is a connection not seen before (a NEW or LIST record of an unknown id). */
  apply(r: Pick<ConntrackRecord, 'type' | 'id' | 'state' | 'mark'>): boolean {
    const key = (r.mark & this.mask) >>> 0;
    if (r.type === 'NEW' || r.type === 'LIST') {
      if (this.flows.has(r.id)) return false;
      const open = !(r.state && CLOSING.has(r.state));
      this.flows.set(r.id, { key, open });
      if (open) this.bump(key, 1);
      return true;
    }
    const f = this.flows.get(r.id);
    if (r.type === 'DESTROY') {
      if (f?.open) this.bump(f.key, -1);
      this.flows.delete(r.id);
      return false;
    }
    if (!f) return false; // began before we listened: the next listing has it
    if (f.open && f.key !== key) {
      this.bump(f.key, -1);
      this.bump(key, 1);
    }
    f.key = key;
    if (f.open && r.state && CLOSING.has(r.state)) {
      f.open = false;
      this.bump(key, -1);
    }
    return false;
  }

  clear(): void {
    this.flows.clear();
    this.open.clear();
  }

  private bump(key: number, n: number): void {
    if (key === 0) return;
    const v = (this.open.get(key) ?? 0) + n;
    if (v > 0) this.open.set(key, v);
    else this.open.delete(key);
  }
}
