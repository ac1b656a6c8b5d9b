// Holds every WAN's runtime state, folds in observations, admin and health changes, and emits the resulting events.
import type { EventBus } from '../bus.ts';
import type { Layout } from '../../config/schema/identifiers.ts';
import type { MwanConfig } from '../../config/schema/schema.ts';
import { MwanError } from '../errors.ts';
import type { WanChange } from '../events.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';
import { deriveState, factsFromLink, type Health, type QuotaOut, type WanRuntime } from './model.ts';
import { facts6 } from './model6.ts';
import { type Family, deriveIpv6, initialIpv6, ipv6Facts, ipv6Verdict, hasIpv6Targets } from './ipv6.ts';

/** What IPv6's own probes last said (absent: no IPv6 targets, IPv6 shares IPv4's verdict), and when it left service. */
interface Ipv6Extra {
  own?: { health: Health; reason: string; degradedOut: boolean };
  outSince?: number;
}

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
      const six =
        facts6(cfg, undefined) ?? (hasIpv6Targets(cfg) ? { gateway: null, gatewaySource: 'none' as const } : undefined);
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
      const six =
        facts6(w.config, net.ipv6) ??
        ipv6Facts(w.config, link) ??
        (w.ipv6 ? { gateway: null, gatewaySource: 'none' as const } : undefined);
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
      const extra = previous.v6.get(w.name);
      if (extra) this.v6.set(w.name, extra);
      if (was.health !== 'unknown') this.carried.add(w.name);
      if (extra?.own && extra.own.health !== 'unknown') this.carried.add(`${w.name}/ipv6`);
    }
  }

  /** WANs whose verdict came over a reload and whose new probes have not judged yet (`name`, `name/ipv6`). */
  private carried = new Set<string>();
  /** Per WAN: IPv6's own verdict and when it left service. */
  private v6 = new Map<string, Ipv6Extra>();

  private extra(name: string): Ipv6Extra {
    let e = this.v6.get(name);
    if (!e) this.v6.set(name, (e = {}));
    return e;
  }

  /** Health verdicts come from the probe plugin (unknown until it reports); `degradedOut`: a degraded WAN leaves service. */
  setHealth(
    name: string,
    health: Health,
    reason: string,
    figures: WanRuntime['figures'] = { rttMs: null, lossPct: null },
    now = Date.now(),
    degradedOut = false,
    family: Family = 'ipv4',
  ): boolean {
    const w = this.get(name);
    if (family === 'ipv6') return this.setHealth6(w, health, reason, figures, now, degradedOut);
    if (this.carried.has(name) && health === 'unknown') return false; // the new probes' first rounds after a reload
    this.carried.delete(name);
    w.figures = w.state === 'link-down' ? { rttMs: null, lossPct: null } : figures; // a round closing after the link went
    if (w.health === health && w.healthReason === reason && w.degradedOut === degradedOut) return false;
    w.health = health;
    w.healthReason = reason;
    w.degradedOut = degradedOut;
    return this.refresh(w, now);
  }

  /** IPv6's own verdict (its probes'): the WAN's IPv6 side leaves or enters service by it, IPv4 is untouched. */
  private setHealth6(
    w: WanRuntime,
    health: Health,
    reason: string,
    figures: WanRuntime['figures'],
    now: number,
    degradedOut: boolean,
  ): boolean {
    const key = `${w.name}/ipv6`;
    if (this.carried.has(key) && health === 'unknown') return false;
    this.carried.delete(key);
    w.ipv6 ??= initialIpv6({ gateway: null, gatewaySource: 'none' }, now);
    // As IPv4's: every round's figures (a new object: the world memo compares by identity); none without a link.
    const measured = w.ipv6.state === 'link-down' ? { rttMs: null, lossPct: null } : figures;
    w.ipv6 = { ...w.ipv6, figures: measured };
    const extra = this.extra(w.name);
    const own = extra.own;
    if (own && own.health === health && own.reason === reason && own.degradedOut === degradedOut) return false;
    extra.own = { health, reason, degradedOut };
    return this.refresh(w, now);
  }

  /** The quota plugin: a used-up quota takes the WAN out ('offline') or to standby; null restores it (a new period). */
  setQuotaOut(name: string, out: QuotaOut | null, now = Date.now()): boolean {
    const w = this.get(name);
    if ((w.quotaOut ?? null) === out) return false;
    w.quotaOut = out ?? undefined;
    return this.refresh(w, now);
  }

  /** Whether a WAN other than `w` and not on standby is in service for `family` (a standby WAN serves only when none is). */
  private othersInService(w: WanRuntime, family: Family = 'ipv4'): boolean {
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

  /** The WAN's IPv4 state, then its IPv6 side (which follows it until per-family verdicts exist). */
  private refreshOne(w: WanRuntime, now: number): boolean {
    const four = this.refresh4(w, now);
    const six = this.refresh6(w, now);
    return four || six;
  }

  private refresh6(w: WanRuntime, now: number): boolean {
    const six = w.ipv6;
    if (!six) return false;
    const extra = this.extra(w.name);
    // A WAN that probes IPv6 waits for its own verdict (unknown until then); one that does not shares IPv4's.
    const own =
      extra.own ??
      (hasIpv6Targets(w.config) ? { health: 'unknown' as const, reason: '', degradedOut: false } : undefined);
    const verdict = ipv6Verdict(w, own);
    const next = deriveIpv6(w, six, verdict, this.othersInService(w, 'ipv6'));
    const same = next.state === six.state && next.reason === six.reason && next.inService === six.inService;
    if (same && verdict.health === six.health && verdict.healthReason === six.healthReason) return false;
    const stateChanged = next.state !== six.state;
    // A new object on change, never changed in place: the world memo compares WAN runtimes' parts by identity.
    w.ipv6 = {
      ...six,
      health: verdict.health,
      healthReason: verdict.healthReason,
      ...next,
      since: stateChanged ? now : six.since,
    };
    if (same) return false;
    const wasInService = six.inService;
    const change: WanChange = { wan: w.name, family: 'ipv6', reason: next.reason };
    if (next.state === 'degraded' && stateChanged) this.bus.emit('wan.degraded', change);
    if (next.inService && !wasInService) {
      if (extra.outSince !== undefined) change.downForMs = now - extra.outSince;
      extra.outSince = undefined;
      this.bus.emit('wan.online', change);
    }
    if (!next.inService && (wasInService || stateChanged)) {
      extra.outSince ??= now;
      this.bus.emit('wan.offline', change);
    }
    return true;
  }

  private refresh4(w: WanRuntime, now: number): boolean {
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
      family: 'ipv4',
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
