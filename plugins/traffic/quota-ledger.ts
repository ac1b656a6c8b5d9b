// Accounts each WAN's data quota from its kernel counters: period resets, warnings at each threshold, standby/offline at 100 %.
import type { MwanEvents } from '../../plugin-api/index.ts';
import { growth } from './meter.ts';
import { periodStart } from './period.ts';
import type { QuotaConfig } from './quota-options.ts';
import type { QuotaUse } from './quota-store.ts';

export type QuotaEvent = MwanEvents['wan.quota'];

export interface LedgerHooks {
  /** A WAN's quota is used up (the configured action) or available again (null). */
  setOut(wan: string, out: QuotaConfig['action'] | null): void;
  /** A threshold crossed, used up or a new period (`threshold` set); also every accounting (`threshold: null`). */
  emit(event: QuotaEvent): void;
}

/** The use of each WAN that has a quota; what the kernel counted since the last accounting is added to it. */
export class QuotaLedger {
  readonly uses = new Map<string, QuotaUse>();

  constructor(
    private readonly quotas: Map<string, QuotaConfig>,
    saved: Map<string, QuotaUse>,
    private readonly hooks: LedgerHooks,
    now = Date.now(),
  ) {
    for (const [wan, q] of quotas) {
      const was = saved.get(wan);
      const start = periodStart(q, now);
      // A saved use of the current period carries over (the limit may have changed); an older one starts afresh.
      const use: QuotaUse =
        was && was.periodStart === start
          ? { ...was, limitBytes: q.bytes, warned: [...was.warned] }
          : {
              periodStart: start,
              usedBytes: 0,
              limitBytes: q.bytes,
              raw: was?.raw ?? null,
              warned: [],
              exhausted: false,
            };
      this.uses.set(wan, use);
    }
  }

  /** At start: WANs whose quota is used up in this period leave service again (no new event); a raised limit restores one. */
  restore(): void {
    for (const [wan, use] of this.uses) {
      if (!use.exhausted) continue;
      if (use.usedBytes >= use.limitBytes) {
        this.hooks.setOut(wan, this.quotas.get(wan)!.action);
        continue;
      }
      this.raised(wan, use); // the limit was raised while mwan was stopped
    }
  }

  /** Adds what the kernel counted since the last accounting (`rx`/`tx`: the counters' raw bytes). */
  account(wan: string, rx: number, tx: number, now = Date.now()): void {
    const q = this.quotas.get(wan);
    const use = this.uses.get(wan);
    if (!q || !use) return;
    const start = periodStart(q, now);
    if (start !== use.periodStart) this.newPeriod(wan, use, start);
    // The first reading after a restart counts what passed meanwhile (raw grew) or since the counters were made anew.
    if (use.raw) use.usedBytes += growth(rx, use.raw.rx) + growth(tx, use.raw.tx);
    use.raw = { rx, tx };
    this.judge(wan, q, use);
  }

  private newPeriod(wan: string, use: QuotaUse, start: number): void {
    const wasOut = use.exhausted;
    Object.assign(use, { periodStart: start, usedBytes: 0, warned: [], exhausted: false });
    if (wasOut) this.hooks.setOut(wan, null);
    this.hooks.emit(this.event(wan, use, 0));
  }

  private judge(wan: string, q: QuotaConfig, use: QuotaUse): void {
    const percent = this.percent(use);
    for (const t of [...q.warnAt].sort((a, b) => a - b)) {
      if (percent < t || use.warned.includes(t)) continue; // each threshold once, in order, even when passed at once
      use.warned.push(t);
      this.hooks.emit(this.event(wan, use, t));
    }
    if (percent >= 100 && !use.exhausted) {
      use.exhausted = true;
      this.hooks.setOut(wan, q.action);
      this.hooks.emit(this.event(wan, use, 100));
    } else if (percent < 100 && use.exhausted) {
      this.hooks.setOut(wan, null);
      this.raised(wan, use);
    }
    this.hooks.emit(this.event(wan, use, null));
  }

  /** A larger limit (a reload): the WAN serves again; warnings above its new percentage may come again. */
  private raised(wan: string, use: QuotaUse): void {
    use.exhausted = false;
    use.warned = use.warned.filter((t) => t <= this.percent(use));
    this.hooks.emit(this.event(wan, use, 0));
  }

  private percent(use: QuotaUse): number {
    return use.limitBytes ? (use.usedBytes / use.limitBytes) * 100 : 0;
  }

  event(wan: string, use: QuotaUse, threshold: number | null): QuotaEvent {
    return {
      wan,
      usedBytes: use.usedBytes,
      limitBytes: use.limitBytes,
      percent: Math.round(this.percent(use) * 100) / 100,
      state: use.exhausted ? 'exhausted' : use.warned.length ? 'warned' : 'ok',
      threshold,
    };
  }
}
