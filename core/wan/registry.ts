// Holds every WAN's runtime state, folds in observations, admin and health changes, and emits the resulting events.
import type { EventBus } from '../bus.ts';
import type { Layout } from '../../config/schema/identifiers.ts';
import type { MwanConfig } from '../../config/schema/schema.ts';
import { MwanError } from '../errors.ts';
import type { WanChange } from '../events.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';
import { deriveState, factsFromLink, type Health, type QuotaOut, type WanRuntime } from './model.ts';
import { facts6, refresh6 } from './model6.ts';

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
] as const satisfies readonly (keyof WanRuntime)[];

export class WanRegistry {
  readonly wans: WanRuntime[];
  /** Links seen last time, to report link.up/down and addr.changed for any device. */
  private lastLinks = new Map<string, { up: boolean; addrs: string }>();

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
      w.ipv6 = refresh6(w, facts6(cfg, undefined), now);
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
      const v6 = facts6(w.config, net.ipv6);
      if (JSON.stringify(v6) !== JSON.stringify(w.ipv6?.facts)) {
        w.ipv6 = refresh6(w, v6, now);
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
    }
  }

  /** WANs whose verdict came over a reload and whose new probes have not judged yet. */
  private carried = new Set<string>();

  /** Health verdicts come from the probe plugin (unknown until it reports); `degradedOut`: a degraded WAN leaves service. */
  setHealth(
    name: string,
    health: Health,
    reason: string,
    figures: WanRuntime['figures'] = { rttMs: null, lossPct: null },
    now = Date.now(),
    degradedOut = false,
  ): boolean {
    const w = this.get(name);
    if (this.carried.has(name) && health === 'unknown') return false; // the new probes' first rounds after a reload
    this.carried.delete(name);
    w.figures = w.state === 'link-down' ? { rttMs: null, lossPct: null } : figures; // a round closing after the link went
    if (w.health === health && w.healthReason === reason && w.degradedOut === degradedOut) return false;
    w.health = health;
    w.healthReason = reason;
    w.degradedOut = degradedOut;
    return this.refresh(w, now);
  }

  /** The quota plugin: a used-up quota takes the WAN out ('offline') or to standby; null restores it (a new period). */
  setQuotaOut(name: string, out: QuotaOut | null, now = Date.now()): boolean {
    const w = this.get(name);
    if ((w.quotaOut ?? null) === out) return false;
    w.quotaOut = out ?? undefined;
    return this.refresh(w, now);
  }

  /** Whether a WAN other than `w` and not on standby is in service (a standby WAN serves only when none is). */
  private othersInService(w: WanRuntime): boolean {
    return this.wans.some((x) => x !== w && x.quotaOut !== 'standby' && x.inService);
  }

  /** A WAN's state, then every standby WAN's (whether they serve depends on the others). */
  private refresh(w: WanRuntime, now: number): boolean {
    let changed = this.refreshOne(w, now);
    if (w.quotaOut !== 'standby')
      for (const s of this.wans) if (s.quotaOut === 'standby') changed = this.refreshOne(s, now) || changed;
    return changed;
  }

  /** The WAN's IPv4 state, then its IPv6 side (which follows it until per-family verdicts exist). */
  private refreshOne(w: WanRuntime, now: number): boolean {
    const changed4 = this.refreshOne4(w, now);
    if (!w.ipv6) return changed4;
    const next = refresh6(w, w.ipv6.facts, now)!;
    if (JSON.stringify(next) === JSON.stringify(w.ipv6)) return changed4;
    w.ipv6 = next; // a new object on change only: the world memo compares by identity
    return true;
  }

  private refreshOne4(w: WanRuntime, now: number): boolean {
    const next = deriveState(w, this.othersInService(w));
    if (next.state === w.state && next.reason === w.reason && next.inService === w.inService) return false;
    const wasInService = w.inService;
    const stateChanged = next.state !== w.state;
    Object.assign(w, next);
    if (stateChanged) w.since = now;
    // Figures measured before the link went away are stale: none until probes answer again.
    if (next.state === 'link-down') w.figures = { rttMs: null, lossPct: null };
    if (wasInService && !next.inService && next.state !== 'admin-down' && !w.quotaOut) {
      w.flaps++;
      w.lastFailure = { at: now, reason: `${next.state}: ${next.reason}` };
    }
    const measured = w.figures.rttMs !== null || w.figures.lossPct !== null;
    const change: WanChange = {
      wan: w.name,
      reason: next.reason,
      ...(measured ? { rttMs: w.figures.rttMs, lossPct: w.figures.lossPct } : {}),
    };
    if (next.state === 'degraded' && stateChanged) this.bus.emit('wan.degraded', change);
    if (next.inService && !wasInService) {
      if (w.outSince !== undefined) change.downForMs = now - w.outSince;
      w.outSince = undefined;
      this.bus.emit('wan.online', change);
    }
    if (!next.inService && (wasInService || stateChanged)) {
      w.outSince ??= now;
      this.bus.emit('wan.offline', change);
    }
    return true;
  }

  private emitLinkEvents(net: ObservedNetwork): void {
    const seen = new Set<string>();
    for (const l of net.links) {
      seen.add(l.name);
      const up = l.adminUp && l.carrier;
      const addrs = l.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(',');
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
