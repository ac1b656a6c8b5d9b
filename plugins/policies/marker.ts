// Built-in plugin 'marker' (part of the policies feature): nftables connection marking: new LAN (and, with rules, router) connections classified into policies (the default policy's chain is `balance`), inbound WAN marks, restore.
import {
  definePlugin,
  DesiredBuilder,
  hex,
  isIPv4,
  NO_OPTIONS,
  ipv4ToInt,
  parseAddressWithPrefix,
  type WorldView,
} from '../../plugin-api/index.ts';
import {
  CLASSIFY_CHAIN,
  CLASSIFY_LOCAL_CHAIN,
  DEFAULT_CHAIN,
  ENFORCE_METRIC,
  chainFor,
  counterFor,
  setChainFor,
} from './names.ts';
import { countByMark, renderPolicy } from './render.ts';
import { policiesOf } from './resolve.ts';
import { policiesInUse, renderRules, ruleSets } from './rules.ts';
import { usableMembers } from './selection.ts';
import { ipv6Entry, marksIpv6 } from './marker6.ts';

export const MANGLE = -150;
export const SRCNAT = 100;
export { chainFor, counterFor, ENFORCE_METRIC };

/** `ct mark set` that changes only mwan's bits of the connection mark. */
function setCtMark(mask: number, mark: number): string {
  return `ct mark set ct mark & ${hex(~mask >>> 0)} | ${hex(mark)}`;
}

/** The chain that sets mwan's bits of the packet mark to WAN `id`'s mark, keeping every other bit. */
export const restoreChainFor = (id: number) => `mark_wan${id}`;

/**
 * Restore: mwan's bits of the packet mark := those of the connection mark, the host's bits kept. nft 1.0.6 refuses
 * `meta mark & ~mask | ct mark`, so a vmap over the connection's WAN mark goes to a per-WAN chain with constants.
 */
function restoreRules(mask: number, wans: { id: number; mark: number }[]): string[] {
  if (wans.length === 0) return [];
  return [
    `ct mark & ${hex(mask)} vmap { ${wans.map((w) => `${hex(w.mark)} : goto ${restoreChainFor(w.id)}`).join(', ')} }`,
  ];
}

function localNetworks(world: WorldView): string[] {
  const nets = [
    ...new Set([
      ...world.lans.flatMap((l) => l.networks),
      ...world.wans.flatMap((w) => (w.network ? [w.network] : [])),
    ]),
  ];
  // An interval set refuses overlapping elements: a network inside another (an HA virtual gateway's /32 inside its
  // LAN's /24) is left out. Each network is parsed once: this runs at every reconcile, over every WAN's network.
  // A text that does not parse is kept, as before (it is never inside another).
  const parsed = nets.map((text) => {
    const p = parseAddressWithPrefix(text);
    return { text, range: p && { start: ipv4ToInt(p.address), size: 2 ** (32 - p.prefixLength) } };
  });
  const inside = ({ range: i }: (typeof parsed)[number], { range: o }: (typeof parsed)[number]) =>
    Boolean(i && o && o !== i && o.size >= i.size && Math.floor(i.start / o.size) === Math.floor(o.start / o.size));
  return parsed
    .filter((i) => !parsed.some((o) => inside(i, o)))
    .map((n) => n.text)
    .sort();
}

const devices = (names: string[]) => `{ ${names.map((n) => `"${n}"`).join(', ')} }`;

/**
 * Health probes leave by their own WAN (bound to its address): the router's connections that look like one (same
 * target, protocol and port) are never classified. A bound socket cannot be told from an unbound one in nft: TCP's
 * connect looks the route up again with the chosen source address, so both end in the WAN's `from` rule.
 */
function probeExclusions(world: WorldView): string[] {
  const lines = world.wans.flatMap((w) =>
    w.config.probes.flatMap((p) => {
      if (!isIPv4(p.target)) return [];
      if (p.method === 'icmp') return [`ip daddr ${p.target} meta l4proto icmp return`];
      if (p.method === 'tcp' || p.method === 'http' || p.method === 'https')
        return [`ip daddr ${p.target} tcp dport ${p.port ?? (p.method === 'https' ? 443 : 80)} return`];
      if (p.method === 'dns') return [`ip daddr ${p.target} udp dport ${p.port ?? 53} return`];
      return [];
    }),
  );
  return [...new Set(lines)];
}

interface Entries {
  /** IPv6 LAN connections (ipv6.mode npt): before the IPv4 entry. */
  lan6?: string;
  lan?: string;
  local?: string;
}

/**
 * Policies, rules and the entries that send new connections to them. Without rules this is exactly the classic
 * marker: LAN connections jump to `balance` (the default policy), which is left out when it has nothing to do,
 * and the router's own connections follow the multipath route. With rules that can match the router's own
 * connections (no source network, no input interface), the router's new connections are classified by them too
 * (health probes excepted) and leave with the chosen WAN's address (snat_local); the rest keep the multipath route.
 */
function classification(d: DesiredBuilder, world: WorldView): Entries {
  const { mask } = world.layout;
  const lanDevices = world.lans.map((l) => l.device);
  const rules = world.config.rules;
  const extraIif = [...new Set(rules.flatMap((r) => (r.iif && !lanDevices.includes(r.iif) ? [r.iif] : [])))];
  const entryDevices = [...lanDevices, ...extraIif];
  const r = rules.length ? renderRules(world) : undefined;
  const local = Boolean(r?.local.length);
  if (entryDevices.length === 0 && !local) return {};
  const rendered = policiesInUse(world).map((name) =>
    renderPolicy(policiesOf(world.config).policies.get(name)!, world),
  );
  if (!r && rendered[0].chain.rules.length === 0) return {};
  for (const p of rendered) {
    d.chain(p.chain);
    for (const c of p.extraChains) d.chain(c);
    for (const s of p.sets) d.set(s);
  }
  if (r) {
    for (const s of [...ruleSets(world), ...r.sets]) d.set(s);
    for (const c of r.chains) d.chain(c);
    const fallback = lanDevices.length ? [`iifname ${devices(lanDevices)} goto ${DEFAULT_CHAIN}`] : [];
    d.chain({ name: CLASSIFY_CHAIN, rules: [...r.classify, ...fallback] });
    if (local) d.chain({ name: CLASSIFY_LOCAL_CHAIN, rules: [...probeExclusions(world), ...r.local] });
    for (const name of r.enforced) {
      const w = world.wans.find((x) => x.name === name)!;
      // Marked traffic of an enforced WAN whose routes are gone (device down) meets this instead of another WAN.
      d.route({ table: w.table, dst: 'default', type: 'unreachable', metric: ENFORCE_METRIC });
    }
  }
  const nets = localNetworks(world);
  d.set({ name: 'local_nets', kind: 'set', type: 'ipv4_addr', flags: ['interval'], elements: nets });
  // With IPv6 marked apart, the IPv4 entry says its family even without local networks (`ip daddr` implies it).
  const skipLocal = nets.length ? ' ip daddr != @local_nets' : marksIpv6(world) ? ' meta nfproto ipv4' : '';
  const out: Entries = { lan6: ipv6Entry(d, world, lanDevices) };
  if (entryDevices.length)
    out.lan = `iifname ${devices(entryDevices)} ct state new ct mark & ${hex(mask)} == 0${skipLocal} jump ${r ? CLASSIFY_CHAIN : DEFAULT_CHAIN}`;
  if (local) {
    out.local = `ct state new ct mark & ${hex(mask)} == 0${skipLocal} jump ${CLASSIFY_LOCAL_CHAIN}`;
    // A connection moved to another WAN still has the source address of the route it was first given.
    const rewrite = world.wans.flatMap((w) => {
      const others = world.wans.filter((o) => o !== w && o.address).map((o) => o.address!);
      return others.length ? [`oifname "${w.device}" ip saddr { ${others.join(', ')} } masquerade`] : [];
    });
    d.chain({ name: 'snat_local', base: { type: 'nat', hook: 'postrouting', priority: SRCNAT }, rules: rewrite });
  }
  return out;
}

export default definePlugin({
  name: 'marker',
  options: NO_OPTIONS,
  /** The world's `active` WANs: the default policy's members that can take new connections now (its chain is what it renders). */
  selectActive(world) {
    const { policies, defaultPolicy } = policiesOf(world.config);
    return usableMembers(policies.get(defaultPolicy)!, world.wans).map(({ member: _m, ...w }) => w);
  },
  contribute(d, world) {
    const { mask } = world.layout;
    const restore = restoreRules(mask, world.wans);
    const rules = world.wans.map((w) => `iifname "${w.device}" ct state new ${setCtMark(mask, w.mark)}`);
    // Policy objects are declared after mark_prerouting, as they always were (the table block keeps its order).
    const objects = new DesiredBuilder().as('marker');
    const entries = classification(objects, world);
    if (entries.lan6) rules.push(entries.lan6);
    if (entries.lan) rules.push(entries.lan);
    rules.push(...restore);
    d.chain({ name: 'mark_prerouting', base: { type: 'filter', hook: 'prerouting', priority: MANGLE }, rules });
    for (const c of objects.state.nft.chains) d.chain(c);
    for (const s of objects.state.nft.sets) d.set(s);
    for (const r of objects.state.routes) d.route(r);
    // NFQUEUE policies in use: uncounted mark chains for their kernel choice, and the decision counted in postrouting.
    const { tagMask, policies } = world.layout.nfqueue;
    const queued = [...policies.values()].some((p) => p.inUse);
    for (const w of world.wans) {
      d.counter(counterFor(w.id));
      d.chain({
        name: restoreChainFor(w.id),
        rules: [`meta mark set meta mark & ${hex(~mask >>> 0)} | ${hex(w.mark)}`],
      });
      d.chain({ name: chainFor(w.id), rules: [`${setCtMark(mask, w.mark)} counter name "${counterFor(w.id)}"`] });
      if (queued) d.chain({ name: setChainFor(w.id), rules: [setCtMark(mask, w.mark)] });
    }
    // The router's own connections: the multipath route picks the WAN (unless a rule does), postrouting records it, output restores it.
    d.chain({
      name: 'mark_output',
      base: { type: 'route', hook: 'output', priority: MANGLE },
      rules: [...(entries.local ? [entries.local] : []), ...restore],
    });
    d.chain({
      name: 'mark_postrouting',
      base: { type: 'filter', hook: 'postrouting', priority: MANGLE },
      rules: [
        ...world.wans.map(
          (w) => `oifname "${w.device}" ct state new ct mark & ${hex(mask)} == 0 ${setCtMark(mask, w.mark)}`,
        ),
        // Only a queued connection's first packet carries a tag (later packets get the mark restored without it).
        ...(queued ? countByMark(`meta mark & ${hex(tagMask)} != 0 `, mask, world.wans) : []),
      ],
    });
  },
});
