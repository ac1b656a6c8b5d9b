// Turns successive readings of the kernel's per-WAN counters into totals since the daemon started, surviving counter resets.
import type { MwanEvents } from '../../plugin-api/index.ts';
import { connCounter, rxCounter, txCounter } from './counters.ts';

export type Counters = Record<string, { packets: number; bytes: number }>;
export type Traffic = MwanEvents['wan.traffic'];

/** What grew since the last reading: a value below the last one means the counter was made anew (count it whole). */
export const growth = (now: number, last: number): number => (now >= last ? now - last : now);

/** Raw kernel values of one WAN's counters. */
export interface RawTraffic {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  newConnections: number;
}

export function rawOf(counters: Counters, id: number): RawTraffic | null {
  const rx = counters[rxCounter(id)];
  const tx = counters[txCounter(id)];
  const conn = counters[connCounter(id)];
  if (!rx || !tx || !conn) return null;
  return {
    rxBytes: rx.bytes,
    txBytes: tx.bytes,
    rxPackets: rx.packets,
    txPackets: tx.packets,
    newConnections: conn.packets,
  };
}

const FIELDS = ['rxBytes', 'txBytes', 'rxPackets', 'txPackets', 'newConnections'] as const;

/** Per WAN: the last raw reading and the totals since the first one. */
export class Meter {
  private last = new Map<string, RawTraffic>();
  private totals = new Map<string, RawTraffic>();

  /** Folds in one reading; returns the WAN's totals since the meter started (all 0 at its first reading). */
  add(wan: string, raw: RawTraffic): Traffic {
    const last = this.last.get(wan);
    const total = this.totals.get(wan) ?? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, newConnections: 0 };
    if (last) for (const f of FIELDS) total[f] += growth(raw[f], last[f]);
    this.last.set(wan, { ...raw });
    this.totals.set(wan, total);
    return { wan, ...total };
  }
}
