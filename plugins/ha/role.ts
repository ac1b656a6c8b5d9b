// This node's VRRP role as keepalived reports it (ha.notify), published as ha.role, and the figures status shows.
import type { PluginContext } from '../../plugin-api/index.ts';
import type { PeerReport } from './peer-view.ts';
import type { UplinkState } from './uplink.ts';
import { ROLES, type Role } from './roles.ts';

export { ROLES, type Role };
import { parseConntrackdStats, type SyncCounters } from './stats.ts';

export interface HaReport {
  node: string;
  peer: string;
  /** null until keepalived's first notify (both nodes start as backup and wait for advertisements). */
  role: Role | null;
  since: string;
  /** conntrackd's counters (`conntrackd -s`), null when it does not answer. */
  sync: SyncCounters | null;
  /** The peer channel: whether the configurations match, the peer's role, the remembered choices copied from it. */
  peerLink?: PeerReport;
  /** Single-address uplinks (ha.uplinks): whether their client runs here. */
  uplinks?: UplinkState[];
}

export class HaRole {
  private role: Role | null = null;
  private since = new Date();
  private lastAt = 0;

  constructor(
    private readonly ctx: PluginContext,
    private readonly node: string,
    private readonly peer: string,
    private readonly statsScript: string,
  ) {}

  /** Follows keepalived's notifications; returns the unsubscribe. */
  listen(): () => void {
    return this.ctx.bus.on(
      'ha.notify',
      ({ role, at }) => {
        // Notify scripts run concurrently: one that started before the last one applied is stale.
        if (at < this.lastAt) return;
        this.lastAt = at;
        if (role === this.role) return;
        const previous = this.role;
        this.role = role;
        this.since = new Date();
        this.ctx.log.info(
          { node: this.node, role, previous },
          `HA: ${this.node} is ${role}${previous ? ` (was ${previous})` : ''}`,
        );
        this.ctx.bus.emit('ha.role', { node: this.node, peer: this.peer, role, previous });
      },
      'ha',
    );
  }

  get current(): Role | null {
    return this.role;
  }

  async report(): Promise<HaReport> {
    const r = await this.ctx.system.runScript(this.statsScript, {}, 2000).catch(() => null);
    return {
      node: this.node,
      peer: this.peer,
      role: this.role,
      since: this.since.toISOString(),
      sync: r && r.exitCode === 0 && r.stdout ? parseConntrackdStats(r.stdout) : null,
    };
  }
}
