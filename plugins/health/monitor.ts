// Probes one WAN in one family: starts a prober per target of that family from the WAN's address, closes rounds, runs the verdict machine, publishes the verdict.
import {
  type AddressFamily,
  type PluginContext,
  type Prober,
  type WanConfig,
  targetFamily,
} from '../../plugin-api/index.ts';
import { FlapDamper } from './damping.ts';
import type { HealthSettings } from './options.ts';
import { type ClosedRound, RoundCollector } from './rounds.ts';
import { type Decision, initialState, linkBack, linkLost, step } from './verdict.ts';

/** Judging waits for the batch of samples in hand: one microtask later. */
const AFTER_BATCH = Promise.resolve();

/** A probe target that follows the WAN's current gateway (configured, or discovered from its default route). */
export const GATEWAY_TARGET = 'gateway';

/** Safety net: the WAN's address is looked up at least this often even without a link or address event. */
const ADDRESS_RECHECK_MS = 2000;
/**
 * Rounds are judged when their samples arrive (every prober reports each probe by its timeout), so the monitor's
 * own timer is only a safety net: it closes rounds a prober left incomplete and rechecks the address.
 */
const SAFETY_TICK_MS = 1000;

export class WanMonitor {
  private probers: Prober[] = [];
  private collector?: RoundCollector;
  private source?: string;
  /** The gateway the `gateway` targets were started with (they follow it: a new gateway restarts the probers). */
  private gateway?: string | null;
  private state = initialState();
  private timer?: NodeJS.Timeout;
  private offs: (() => void)[] = [];
  /** When the WAN's address was last looked up; links and addresses change rarely, so not on every tick. */
  private checkedAt = 0;
  private judging = false;
  private recheck?: NodeJS.Immediate;
  private readonly damper: FlapDamper;
  /** Whether the WAN was in service at its last wan.online / wan.offline (a departure is a flap). */
  private inService = false;
  /** The link (carrier, device, address) is lost: rounds are no evidence about the upstream. */
  private linkDown = false;
  /** When the link last came back: rounds sent before then are no evidence either. */
  private linkBackAt = 0;

  constructor(
    private readonly ctx: PluginContext,
    private readonly wan: WanConfig,
    readonly settings: HealthSettings,
    /** The family this monitor judges: it probes only the WAN's targets of that family, from its address of it. */
    readonly family: AddressFamily = 'ipv4',
  ) {
    this.damper = new FlapDamper(settings);
  }

  /** The WAN's side of this monitor's family: its address, whether it can route, its state and service. */
  private view() {
    const w = this.ctx.world().wans.find((x) => x.name === this.wan.name);
    if (!w || this.family === 'ipv4') return w;
    const six = w.ipv6;
    return six
      ? { address: six.address, routable: six.routable, state: six.state, inService: six.inService, gateway: null }
      : undefined;
  }

  private mine(e: { wan: string; family?: AddressFamily }): boolean {
    return e.wan === this.wan.name && (e.family ?? 'ipv4') === this.family;
  }

  start(): void {
    // A link or address change is looked at once (after the events of this turn), not at the next safety tick.
    const recheck = () => {
      this.checkedAt = 0;
      this.recheck ??= setImmediate(() => {
        this.recheck = undefined;
        this.syncLink();
        this.ensureProbers();
      });
    };
    const view = this.view();
    this.inService = view?.inService ?? false;
    this.linkDown = view?.state === 'link-down';
    this.offs = (['addr.changed', 'gateway.changed', 'link.up', 'link.down', 'wan.online', 'wan.offline'] as const).map(
      (e) => this.ctx.bus.on(e, recheck, 'health'),
    );
    this.offs.push(
      this.ctx.bus.on(
        'wan.online',
        (e) => {
          if (this.mine(e)) this.inService = true;
        },
        'health',
      ),
      this.ctx.bus.on(
        'wan.offline',
        (e) => {
          if (!this.mine(e)) return;
          // Leaving service for a failure is a flap; `mwanctl wan down` is not.
          const state = this.view()?.state;
          if (this.inService && state !== 'admin-down' && state !== 'held-by-peer') this.damper.flap(Date.now());
          this.inService = false;
        },
        'health',
      ),
    );
    this.timer = setInterval(() => this.tick(), Math.max(this.settings.intervalMs, SAFETY_TICK_MS));
    this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.recheck) clearImmediate(this.recheck);
    for (const off of this.offs) off();
    this.stopProbers();
  }

  private stopProbers(): void {
    for (const p of this.probers) p.stop();
    this.probers = [];
    this.collector = undefined;
  }

  /** (Re)starts the probers when the WAN's address changes; probes need a source address to leave by this WAN. */
  private ensureProbers(): void {
    const now = Date.now();
    if (now - this.checkedAt < ADDRESS_RECHECK_MS) return;
    this.checkedAt = now;
    const view = this.view();
    const source = view?.routable ? view.address : undefined;
    const gateway = this.followsGateway ? (view?.gateway ?? null) : undefined;
    if (source === this.source && gateway === this.gateway) return;
    this.stopProbers();
    this.source = source;
    this.gateway = gateway;
    if (!source) return;
    const { intervalMs, timeoutMs } = this.settings;
    // `target: gateway` probes the WAN's current gateway; without one (point-to-point, none discovered) it is left out.
    const specs = this.wan.probes
      .filter((p) => targetFamily(p.target) === this.family)
      .flatMap((p) => (p.target !== GATEWAY_TARGET ? [p] : gateway ? [{ ...p, target: gateway }] : []));
    const collector = new RoundCollector(
      specs.map((p) => ({ target: p.target, method: p.method })),
      intervalMs,
      timeoutMs,
      Date.now(),
    );
    this.collector = collector;
    const context = {
      wan: this.wan.name,
      device: this.wan.device,
      source,
      ...(this.family === 'ipv6' ? { source6: source } : {}),
      intervalMs,
      timeoutMs,
    };
    for (const spec of specs) {
      try {
        this.probers.push(
          this.ctx.system.startProbe(spec, context, (sample) => {
            if (this.collector !== collector) return;
            collector.add(sample);
            // A round whose targets have all reported is judged at once: once per batch of samples, after the batch.
            if (!this.judging) {
              this.judging = true;
              // A resolved promise, not queueMicrotask: that one wraps each callback in an AsyncResource (~80/s at 8 WANs).
              void AFTER_BATCH.then(() => {
                this.judging = false;
                this.judge();
              });
            }
          }),
        );
      } catch (error) {
        this.ctx.log.error({ wan: this.wan.name, target: spec.target, err: error }, 'cannot start probe');
      }
    }
  }

  private get followsGateway(): boolean {
    return this.family === 'ipv4' && this.wan.probes.some((p) => p.target === GATEWAY_TARGET);
  }

  private tick(): void {
    this.syncLink();
    this.ensureProbers();
    this.judge();
  }

  /** Follows the WAN's link: its loss and return are told to the verdict machine (see linkLost, linkBack). */
  private syncLink(now = Date.now()): void {
    const down = this.view()?.state === 'link-down';
    if (down === this.linkDown) return;
    this.linkDown = down;
    if (!down) this.linkBackAt = now;
    const decision = down
      ? linkLost(this.state, now)
      : linkBack(this.state, now, this.settings, this.damper.stableBeforeLastFlap);
    if (decision) this.publish(decision);
  }

  private judge(): void {
    const now = Date.now();
    for (const round of this.collector?.close(now) ?? []) {
      if (round.probed === 0) continue; // no probe was due (probers starting): no evidence either way
      // Without a link (or sent before it came back) a round says nothing about the upstream.
      if (this.linkDown || (round.sentAt ?? 0) < this.linkBackAt) continue;
      const decision = step(this.state, round, this.settings, this.damper.held(now));
      this.ctx.bus.emit('probe.result', {
        wan: this.wan.name,
        family: this.family,
        ok: round.answered >= this.settings.quorum,
        targets: round.targets,
        rttMs: decision.rttMs,
        lossPct: decision.lossPct,
      });
      this.publish(decision, round);
    }
  }

  private publish(decision: Decision, round?: ClosedRound): void {
    this.ctx.reportHealth(this.wan.name, {
      family: this.family,
      health: decision.verdict,
      reason: decision.reason,
      rttMs: decision.rttMs,
      lossPct: decision.lossPct,
      outOfService: decision.outOfService,
      ...(round ? { targets: round.targets } : {}),
    });
  }
}
