// The bounded in-memory history the status page graphs: one sample per WAN every few seconds (RTT, loss, throughput), the last hour kept.
import type { LinkBytes, WanView } from '../../plugin-api/index.ts';

export interface Sample {
  /** Seconds since the epoch. */
  t: number;
  rttMs: number | null;
  lossPct: number | null;
  /** Bits per second in and out on the WAN device since the previous sample (null for the first one). */
  rxBps: number | null;
  txBps: number | null;
}

/** A ring of samples: the oldest goes when it is full. */
export class SampleRing {
  private readonly items: Sample[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  push(s: Sample): void {
    if (this.items.length < this.capacity) this.items.push(s);
    else {
      this.items[this.start] = s;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Oldest first. */
  list(): Sample[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }

  get size(): number {
    return this.items.length;
  }
}

/** Per-WAN rings, and the device counters of the previous sample to turn bytes into rates. */
export class WanHistory {
  private readonly rings = new Map<string, SampleRing>();
  private readonly previous = new Map<string, { at: number; bytes: LinkBytes }>();

  constructor(private readonly capacity: number) {}

  /** Adds one sample per WAN at `now` (ms); `bytes` are the WAN devices' counters (null: unknown). */
  add(wans: readonly WanView[], bytes: Record<string, LinkBytes | null>, now: number): Record<string, Sample> {
    const added: Record<string, Sample> = {};
    for (const w of wans) {
      const b = bytes[w.device] ?? null;
      const prev = this.previous.get(w.name);
      let rxBps: number | null = null;
      let txBps: number | null = null;
      if (b && prev && now > prev.at && b.rxBytes >= prev.bytes.rxBytes && b.txBytes >= prev.bytes.txBytes) {
        const seconds = (now - prev.at) / 1000;
        rxBps = ((b.rxBytes - prev.bytes.rxBytes) * 8) / seconds;
        txBps = ((b.txBytes - prev.bytes.txBytes) * 8) / seconds;
      }
      if (b) this.previous.set(w.name, { at: now, bytes: b });
      else this.previous.delete(w.name);
      const sample: Sample = { t: Math.round(now / 100) / 10, rttMs: w.rttMs, lossPct: w.lossPct, rxBps, txBps };
      let ring = this.rings.get(w.name);
      if (!ring) this.rings.set(w.name, (ring = new SampleRing(this.capacity)));
      ring.push(sample);
      added[w.name] = sample;
    }
    return added;
  }

  /** Puts back samples kept from before a restart (oldest first), ahead of any taken since; rates restart from the next sample. */
  restore(saved: Record<string, Sample[]>): void {
    for (const [wan, samples] of Object.entries(saved)) {
      const ring = new SampleRing(this.capacity);
      const since = this.rings.get(wan)?.list() ?? [];
      for (const s of [...samples, ...since].slice(-this.capacity)) ring.push(s);
      this.rings.set(wan, ring);
    }
  }

  /** Every WAN's samples, oldest first. */
  all(): Record<string, Sample[]> {
    return Object.fromEntries([...this.rings].map(([wan, ring]) => [wan, ring.list()]));
  }

  /** The latest sample of a WAN. */
  latest(wan: string): Sample | undefined {
    const list = this.rings.get(wan)?.list();
    return list?.[list.length - 1];
  }
}
