// Holds every WAN's runtime state, folds in observations, admin and health changes, and emits the resulting events.
import type { EventBus } from '../bus.ts';
import type { Layout } from '../../config/schema/identifiers.ts';
import type { MwanConfig } from '../../config/schema/schema.ts';
import { MwanError } from '../errors.ts';
import type { AddressFamily, HealthFigures, TargetAnswer, WanChange } from '../events.ts';
import type { HealthReport } from '../../plugin-api/types.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';
import { factsFromLink } from '../system/kernel/wan-facts.ts';
import { NO_FACTS6, ipv6Facts } from '../system/kernel/wan-facts6.ts';
import { NOT_A_FAILURE, deriveState, type FamilyState, type QuotaOut, type WanRuntime } from './model.ts';
import { deriveIpv6, initialIpv6, ipv6Verdict } from './ipv6.ts';

/** What a WAN keeps over a reload when its device, probes and health settings did not change. */
const CARRIED_OVER_RELOAD = [
  'health',
  'healthReason',
  'figures',
  'degradedOut',
  'outSince',
  'state',
  'reason',
  'inService',
  'since',
  'flaps',
  'lastFailure',
  'facts',
  'ipv6',
] as const satisfies readonly (keyof WanRuntime)[];

export class WanRegistry {
  readonly wans: WanRuntime[];
  /** Links seen last time, to report link.up/down and addr.changed for any device. */
  private lastLinks = new Map<string, { up: boolean; addrs: string }>();
  /** WANs whose verdict came over a reload and whose new probes have not judged yet (`name`, `name/ipv6`). */
  private carried = new Set<string>();

  constructor(
    config: MwanConfig,
    layout: Layout,
    private readonly bus: EventBus,
    disabled: string[] = [],
    now = Date.now(),
  ) {
    this.wans = config.wans.map((cfg) => {
      const w: WanRuntime = {
        name: cfg.name,
        config: cfg,
        ids: layout.wans.get(cfg.name)!,
        facts: factsFromLink(cfg, undefined, []),
        enabled: !disabled.includes(cfg.name),
        health: 'unknown',
        healthReason: '',
        figures: { rttMs: null, lossPct: null },
        degradedOut: false,
        state: 'unknown',
        reason: 'not observed yet',
        inService: false,
        since: now,
        flaps: 0,
      };
      const six = ipv6Facts(cfg, undefined, undefined);
      if (six) w.ipv6 = initialIpv6(six, now);
      return w;
    });
  }

  get(name: string): WanRuntime {
    const w = this.wans.find((x) => x.name === name);
    if (!w)
      throw new MwanError(
        'MWAN_UNKNOWN_WAN',
        `no WAN named '${name}' (configured: ${this.wans.map((x) => x.name).join(', ')})`,
      );
    return w;
  }

  /** Applies a snapshot of links and routes; returns true when any WAN's facts or state changed. */
  observe(net: ObservedNetwork, now = Date.now()): boolean {
    this.emitLinkEvents(net);
    let changed = false;
    for (const w of this.wans) {
      const link = net.links.find((l) => l.name === w.config.device);
      const facts = factsFromLink(w.config, link, net.defaults);
      if (facts.gateway !== w.facts.gateway)
        this.bus.emit('gateway.changed', { device: w.config.device, gateway: facts.gateway });
      if (JSON.stringify(facts) !== JSON.stringify(w.facts)) {
        w.facts = facts;
        changed = true;
      }
      // The configured IPv6 side (wans[].ipv6: static or auto from the kernel), else the device's global address when
      // the WAN probes IPv6. Once seen, it stays (an address that goes is link-down for IPv6, not a WAN without IPv6).
      const six = ipv6Facts(w.config, link, net.ipv6) ?? (w.ipv6 ? NO_FACTS6 : undefined);
      if (six && !w.ipv6) w.ipv6 = initialIpv6(six, now);
      if (six && w.ipv6 && JSON.stringify(six) !== JSON.stringify(w.ipv6.facts)) {
        w.ipv6 = { ...w.ipv6, facts: six }; // a new object on change: the world memo compares by identity
        changed = true;
      }
      changed = this.refresh(w, now) || changed;
    }
    return changed;
  }

  setEnabled(name: string, enabled: boolean, now = Date.now()): boolean {
    const w = this.get(name);
    if (w.enabled === enabled) return false;
    w.enabled = enabled;
    this.bus.emit('wan.admin', { wan: name, enabled });
    this.refresh(w, now);
    return true;
  }

  /**
   * A reload: the named WANs keep the health verdict, state, `since`, flaps and figures `previous` holds (their probes
   * did not change). Until their new probes reach a verdict, the 'unknown' they report first does not replace it.
   */
  adopt(previous: WanRegistry, names: string[]): void {
    for (const w of this.wans) {
      const was = previous.wans.find((p) => p.name === w.name);
      if (!was || !names.includes(w.name)) continue;
      Object.assign(w, Object.fromEntries(CARRIED_OVER_RELOAD.map((key) => [key, was[key]])));
      if (was.health !== 'unknown') this.carried.add(w.name);
      if (was.ipv6?.own && was.ipv6.own.health !== 'unknown') this.carried.add(`${w.name}/ipv6`);
    }
  }

  /**
   * A health verdict from the probe plugin (unknown until it reports) about the family its targets probe;
   * `outOfService`: a degraded WAN leaves service. Figures absent: none measured.
   */
  setHealth(
    name: string,
    report: Omit<HealthReport, keyof HealthFigures> & Partial<HealthFigures>,
    now = Date.now(),
  ): boolean {
    const { health, reason, family = 'ipv4', outOfService: degradedOut = false } = report;
    const w = this.get(name);
    const key = family === 'ipv6' ? `${name}/ipv6` : name;
    if (this.carried.has(key) && health === 'unknown') return false; // the new probes' first rounds after a reload
    this.carried.delete(key);
    // A round closing after the link went measured nothing (a new object each round: the world memo compares by identity).
    const measured = (down: boolean): HealthFigures & { targets?: TargetAnswer[] } => {
      const { rttMs = null, lossPct = null, targets } = down ? {} : report;
      return { rttMs, lossPct, ...(targets ? { targets } : {}) };
    };
    if (family === 'ipv6') {
      // IPv6's own verdict (its probes'): the WAN's IPv6 side leaves or enters service by it, IPv4 is untouched.
      const base = w.ipv6 ?? initialIpv6(NO_FACTS6, now);
      const was = base.own;
      w.ipv6 = { ...base, figures: measured(base.state === 'link-down'), own: { health, reason, degradedOut } };
      const same = was?.health === health && was.reason === reason && was.degradedOut === degradedOut;
      return !same && this.refresh(w, now);
    }
    const same = w.health === health && w.healthReason === reason && w.degradedOut === degradedOut;
    Object.assign(w, { figures: measured(w.state === 'link-down'), health, healthReason: reason, degradedOut });
    return !same && this.refresh(w, now);
  }

  /** The quota plugin: a used-up quota takes the WAN out ('offline') or to standby; null restores it (a new period). */
  setQuotaOut(name: string, out: QuotaOut | null, now = Date.now()): boolean {
    const w = this.get(name);
    if ((w.quotaOut ?? null) === out) return false;
    w.quotaOut = out ?? undefined;
    return this.refresh(w, now);
  }

  /** The ha plugin: a single-address uplink the peer holds now (true) or this node may hold (false). */
  setHeldByPeer(name: string, held: boolean, now = Date.now()): boolean {
    const w = this.get(name);
    if (Boolean(w.heldByPeer) === held) return false;
    w.heldByPeer = held || undefined;
    return this.refresh(w, now);
  }

  /** Whether a WAN other than `w` and not on standby is in service for `family` (a standby WAN serves only when none is). */
  private othersInService(w: WanRuntime, family: AddressFamily = 'ipv4'): boolean {
    return this.wans.some(
      (x) => x !== w && x.quotaOut !== 'standby' && (family === 'ipv4' ? x.inService : x.ipv6?.inService),
    );
  }

  /** A WAN's state, then every standby WAN's (whether they serve depends on the others). */
  private refresh(w: WanRuntime, now: number): boolean {
    let changed = this.refreshOne(w, now);
    if (w.quotaOut !== 'standby')
      for (const s of this.wans) if (s.quotaOut === 'standby') changed = this.refreshOne(s, now) || changed;
    return changed;
  }

  /** The WAN's IPv4 state, then its IPv6 side (its own verdict, or IPv4's when it probes no IPv6 target). */
  private refreshOne(w: WanRuntime, now: number): boolean {
    const four = this.refresh4(w, now);
    const six = this.refresh6(w, now);
    return four || six;
  }

  private refresh6(w: WanRuntime, now: number): boolean {
    const six = w.ipv6;
    if (!six) return false;
    const verdict = ipv6Verdict(w);
    const next = deriveIpv6(w, six, verdict, this.othersInService(w, 'ipv6'));
    const same = next.state === six.state && next.reason === six.reason && next.inService === six.inService;
    if (same && verdict.health === six.health && verdict.healthReason === six.healthReason) return false;
    // A new object on change, never changed in place: the world memo compares WAN runtimes' parts by identity.
    w.ipv6 = { ...six, health: verdict.health, healthReason: verdict.healthReason, ...next };
    if (next.state !== six.state) w.ipv6.since = now;
    if (!same) this.announce({ wan: w.name, family: 'ipv6', reason: next.reason }, six, w.ipv6, now);
    return !same;
  }

  private refresh4(w: WanRuntime, now: number): boolean {
    const next = deriveState(w, this.othersInService(w));
    if (next.state === w.state && next.reason === w.reason && next.inService === w.inService) return false;
    const was = { state: w.state, inService: w.inService };
    Object.assign(w, next);
    if (next.state !== was.state) w.since = now;
    // Figures measured before the link went away are stale: none until probes answer again.
    if (next.state === 'link-down') w.figures = { rttMs: null, lossPct: null };
    if (was.inService && !next.inService && !NOT_A_FAILURE.includes(next.state) && !w.quotaOut) {
      w.flaps++;
      w.lastFailure = { at: now, reason: `${next.state}: ${next.reason}` };
    }
    const measured = w.figures.rttMs !== null || w.figures.lossPct !== null;
    const figures = measured ? { rttMs: w.figures.rttMs, lossPct: w.figures.lossPct } : {};
    this.announce({ wan: w.name, family: 'ipv4', reason: next.reason, ...figures }, was, w, now);
    return true;
  }

  /**
   * The events of one family's change of state, `was` → `now` (which keeps when the family left service): degraded,
   * back in service (with how long it was out), out of service.
   */
  private announce(
    change: WanChange,
    was: Omit<FamilyState, 'reason'>,
    next: FamilyState & { outSince?: number },
    now: number,
  ): void {
    const stateChanged = next.state !== was.state;
    if (next.state === 'degraded' && stateChanged) this.bus.emit('wan.degraded', change);
    if (next.inService && !was.inService) {
      if (next.outSince !== undefined) change.downForMs = now - next.outSince;
      next.outSince = undefined;
      this.bus.emit('wan.online', change);
    }
    if (!next.inService && (was.inService || stateChanged)) {
      next.outSince ??= now;
      this.bus.emit('wan.offline', change);
    }
  }

  private emitLinkEvents(net: ObservedNetwork): void {
    const seen = new Set<string>();
    for (const l of net.links) {
      seen.add(l.name);
      const up = l.adminUp && l.carrier;
      // IPv6's usable addresses too: one leaving `tentative` (DAD done) re-arms the IPv6 probes now, not at a recheck.
      const addrs = [...l.addresses, ...(l.addresses6 ?? [])].map((a) => `${a.address}/${a.prefixLength}`).join(',');
      const prev = this.lastLinks.get(l.name);
      if (prev && prev.up !== up) this.bus.emit(up ? 'link.up' : 'link.down', { device: l.name });
      if (prev && prev.addrs !== addrs)
        this.bus.emit('addr.changed', { device: l.name, addresses: addrs ? addrs.split(',') : [] });
      this.lastLinks.set(l.name, { up, addrs });
    }
    for (const name of [...this.lastLinks.keys()]) {
      if (!seen.has(name)) {
        this.bus.emit('link.down', { device: name });
        this.lastLinks.delete(name);
      }
    }
  }
}
