// Emits wan.longdown once a WAN has been out of service for longer than its long-down time (Net-ISP-Balance's long_down_time).
import type { EventBus } from '../../core/plugin/api.ts';

export class LongDownTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly bus: EventBus,
    private readonly secondsFor: (wan: string) => number,
    owner: string,
  ) {
    this.unsubscribe = [
      bus.on('wan.offline', (e) => this.arm(e.wan, e.reason), owner),
      bus.on('wan.online', (e) => this.disarm(e.wan), owner),
    ];
  }

  private arm(wan: string, reason: string): void {
    if (this.timers.has(wan)) return;
    const seconds = this.secondsFor(wan);
    if (seconds <= 0) return;
    const since = Date.now();
    this.timers.set(
      wan,
      setTimeout(() => {
        this.timers.delete(wan);
        this.bus.emit('wan.longdown', {
          wan,
          reason: `out of service for more than ${seconds} s: ${reason}`,
          downForMs: Date.now() - since,
        });
      }, seconds * 1000),
    );
  }

  private disarm(wan: string): void {
    clearTimeout(this.timers.get(wan));
    this.timers.delete(wan);
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
