// Emits wan.longdown once a WAN has been out of service for longer than its long-down time (Net-ISP-Balance's long_down_time).
import type { AddressFamily, EventBus } from '../../plugin-api/index.ts';

export class LongDownTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly bus: EventBus,
    private readonly secondsFor: (wan: string) => number,
    owner: string,
  ) {
    this.unsubscribe = [
      bus.on('wan.offline', (e) => this.arm(e.wan, e.family ?? 'ipv4', e.reason), owner),
      bus.on('wan.online', (e) => this.disarm(`${e.wan}/${e.family ?? 'ipv4'}`), owner),
    ];
  }

  /** Timers by `wan/family`: each family of a WAN is out of service on its own. */
  private arm(wan: string, family: AddressFamily, reason: string): void {
    const key = `${wan}/${family}`;
    if (this.timers.has(key)) return;
    const seconds = this.secondsFor(wan);
    if (seconds <= 0) return;
    const since = Date.now();
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.bus.emit('wan.longdown', {
          wan,
          family,
          reason: `out of service for more than ${seconds} s: ${reason}`,
          downForMs: Date.now() - since,
        });
      }, seconds * 1000),
    );
  }

  private disarm(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
