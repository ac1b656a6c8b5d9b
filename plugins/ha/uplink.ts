// Single-address uplinks follow the role: held by the peer unless master; the uplink's client runs on the master only.
import type { PluginContext, ProcessSpec, Supervised } from '../../plugin-api/index.ts';
import type { Role } from './roles.ts';
import type { UplinkConfig } from './uplink-options.ts';

const BACKOFF = { firstMs: 500, maxMs: 10_000, stableMs: 10_000 };

/**
 * The supervised client of one uplink (its argv as configured). Without a fixed address the client set the address:
 * once it is stopped (this node left master) the address goes with it (`after`), whether or not the client released
 * it, so the old master never answers for the address with the shared MAC. A fixed address is keepalived's to remove.
 */
export const clientSpec = (wan: string, argv: string[], device: string, fixed: boolean): ProcessSpec => ({
  name: `uplink-${wan}`,
  argv: [...argv],
  ...(fixed ? {} : { after: [['ip', '-4', 'addr', 'flush', 'dev', device]] }),
  backoff: BACKOFF,
  stopGraceMs: 3000,
});

export interface UplinkState {
  wan: string;
  /** The uplink's client runs here now (master), with its pid. */
  client: { running: boolean; pid: number | null; starts: number } | null;
}

export class Uplinks {
  private readonly clients = new Map<string, Supervised>();
  private role: Role | null = null;
  private offs: (() => void)[] = [];
  /** Role changes and stops run one after another (a client's stop waits for it to end). */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: PluginContext,
    /** WAN name → its uplink and its device (the VMAC). */
    private readonly uplinks: Record<string, UplinkConfig & { device: string }>,
  ) {}

  /** Every uplink is held by the peer until this node is master; follows ha.role and the uplinks' addresses. */
  start(): void {
    for (const wan of Object.keys(this.uplinks)) this.ctx.setHeldByPeer?.(wan, true);
    this.offs.push(
      this.ctx.bus.on('ha.role', ({ role }) => void this.follow(role), 'ha'),
      // keepalived takes a fixed address off the VMAC the moment it leaves master, before its notify reaches the daemon:
      // held at once, so that moment is no link-down (no flap, no mail) on the node that steps down.
      this.ctx.bus.on(
        'addr.changed',
        ({ device, addresses }) => {
          const hit = Object.entries(this.uplinks).find(([, u]) => u.device === device && u.address && !u.client);
          if (hit && !addresses.some((a) => a === hit[1].address)) this.ctx.setHeldByPeer?.(hit[0], true);
        },
        'ha',
      ),
    );
  }

  private follow(role: Role): Promise<void> {
    this.role = role;
    return (this.queue = this.queue.then(() => this.apply()));
  }

  private async apply(): Promise<void> {
    const master = this.role === 'master';
    for (const [wan, u] of Object.entries(this.uplinks)) {
      this.ctx.setHeldByPeer?.(wan, !master);
      const running = this.clients.get(wan);
      if (master && u.client && !running)
        this.clients.set(wan, this.supervise(wan, clientSpec(wan, u.client, u.device, Boolean(u.address))));
      if (!master && running) {
        this.clients.delete(wan);
        await running.stop();
        this.ctx.log.info({ wan }, `HA: uplink ${wan}: client stopped (this node is ${this.role})`);
      }
    }
  }

  private supervise(wan: string, spec: ProcessSpec): Supervised {
    const log = this.ctx.log;
    const supervise = this.ctx.system.supervise;
    if (!supervise) throw new Error('the system boundary offers no process supervisor (system.supervise)');
    log.info({ wan, argv: spec.argv }, `HA: uplink ${wan}: this node is master, starting its client`);
    return supervise(spec, {
      line: (l) => log.debug({ wan }, `uplink ${wan}: ${l}`),
      exited: (e) => {
        if (e.restartInMs !== null)
          log.warn({ wan, ...e }, `HA: uplink ${wan}'s client ended; restarting in ${e.restartInMs} ms`);
      },
      problem: (m) => log.warn({ wan }, `HA: uplink ${wan}: ${m}`),
    });
  }

  report(): UplinkState[] {
    return Object.entries(this.uplinks).map(([wan, u]) => {
      const c = this.clients.get(wan);
      return {
        wan,
        client: u.client ? { running: Boolean(c), pid: c?.pid ?? null, starts: c?.starts ?? 0 } : null,
      };
    });
  }

  /** Stops following and stops every client. */
  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.role = null;
    await (this.queue = this.queue.then(async () => {
      for (const [wan, c] of [...this.clients]) {
        this.clients.delete(wan);
        await c.stop();
      }
    }));
  }
}
