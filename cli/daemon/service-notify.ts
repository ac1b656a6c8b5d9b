// Tells systemd (Type=notify) how the daemon is: READY after the first reconcile, STATUS per WAN change, watchdog heartbeats, RELOADING, STOPPING.
import type { Engine } from '../../core/engine.ts';
import type { Logger } from '../../core/log.ts';
import type { ServiceNotifier } from '../../core/system/notify.ts';
import type { WanRuntime } from '../../core/wan/model.ts';

/** The one-line STATUS: `3/3 WANs in service`, `1/2 WANs in service (isp1 link-down)`, `(isp2 IPv6 offline)`. */
export function serviceStatus(wans: readonly WanRuntime[]): string {
  const out = wans.filter((w) => !w.inService);
  // A WAN in service for IPv4 but not for IPv6 is named with its IPv6 state.
  const out6 = wans.filter((w) => w.inService && w.ipv6 && !w.ipv6.inService);
  const named = [...out.map((w) => `${w.name} ${w.state}`), ...out6.map((w) => `${w.name} IPv6 ${w.ipv6!.state}`)];
  return `${wans.length - out.length}/${wans.length} WANs in service${named.length ? ` (${named.join(', ')})` : ''}`;
}

const WAN_EVENTS = ['wan.online', 'wan.offline', 'wan.degraded', 'wan.admin'] as const;

export class ServiceNotifications {
  private heartbeat?: NodeJS.Timeout;
  private pending?: NodeJS.Immediate;
  private lastStatus = '';
  private failed = false;

  constructor(
    private readonly notifier: ServiceNotifier,
    private readonly log: Logger,
  ) {}

  private send(fields: Record<string, string>): void {
    const error = this.notifier.notify(fields);
    if (error && !this.failed) this.log.error({ fields: Object.keys(fields) }, error); // once: heartbeats would repeat it
    this.failed ||= error !== null;
  }

  /** READY=1 with the status; starts the watchdog heartbeats (every half of WATCHDOG_USEC) from the event loop. */
  ready(engine: Engine): void {
    if (!this.notifier.enabled) return;
    this.lastStatus = serviceStatus(engine.wans());
    this.send({ READY: '1', STATUS: this.lastStatus });
    const ms = this.notifier.watchdogMs;
    if (ms && !this.heartbeat)
      this.heartbeat = setInterval(() => this.send({ WATCHDOG: '1' }), Math.max(Math.floor(ms / 2), 10));
  }

  /** Updates STATUS when a WAN changes (once per turn of the event loop); returns the unsubscribe. */
  follow(engine: Engine): () => void {
    if (!this.notifier.enabled) return () => undefined;
    const offs = WAN_EVENTS.map((e) =>
      engine.on(e, () => {
        this.pending ??= setImmediate(() => {
          this.pending = undefined;
          const status = serviceStatus(engine.wans());
          if (status !== this.lastStatus) this.send({ STATUS: (this.lastStatus = status) });
        });
      }),
    );
    return () => {
      for (const off of offs) off();
    };
  }

  reloading(): void {
    if (this.notifier.enabled) this.send({ RELOADING: '1', STATUS: 'reloading the configuration' });
  }

  /** Ends the heartbeats and says the daemon is stopping. */
  stopping(): void {
    clearInterval(this.heartbeat);
    if (this.pending) clearImmediate(this.pending);
    if (this.notifier.enabled) this.send({ STOPPING: '1', STATUS: 'stopping' });
  }
}
