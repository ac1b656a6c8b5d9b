// Prometheus counters fed from cumulative readings (a WAN's kernel counters, a queue listener's stats): each reading adds what it grew by.
import type { Counter } from 'prom-client';

/** Keeps the last reading per label set; a reading below it (its source restarted) counts from zero again. */
export class CumulativeCounter<L extends string> {
  private readonly last = new Map<string, number>();

  constructor(private readonly counter: Counter<L>) {}

  set(labels: Record<L, string>, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    const key = JSON.stringify(labels);
    const before = this.last.get(key);
    this.last.set(key, value);
    const delta = before === undefined || value < before ? value : value - before;
    this.counter.inc(labels, delta);
  }
}
