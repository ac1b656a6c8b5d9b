// Traffic rates per device from successive byte-counter readings: Mbit/s over the last interval, the larger direction.
import type { LinkBytes } from '../../plugin-api/index.ts';

export class RateMeter {
  private last?: { at: number; bytes: Record<string, LinkBytes | null> };
  private rates: Record<string, number> = {};

  /** Folds in a reading taken at `at` (ms). */
  update(at: number, bytes: Record<string, LinkBytes | null>): void {
    const prev = this.last;
    this.last = { at, bytes };
    if (!prev || at <= prev.at) return;
    const seconds = (at - prev.at) / 1000;
    const next: Record<string, number> = {};
    for (const [dev, now] of Object.entries(bytes)) {
      const before = prev.bytes[dev];
      if (!now || !before) continue;
      const rx = Math.max(0, now.rxBytes - before.rxBytes);
      const tx = Math.max(0, now.txBytes - before.txBytes);
      next[dev] = (Math.max(rx, tx) * 8) / seconds / 1e6;
    }
    this.rates = next;
  }

  /** Mbit/s of a device over the last interval; null before two readings. */
  mbps(dev: string): number | null {
    return this.rates[dev] ?? null;
  }
}
