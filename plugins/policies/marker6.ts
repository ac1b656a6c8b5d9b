// The marker's IPv6 half (issue 13, ipv6.mode npt): new LAN IPv6 connections classified by the rules that apply to IPv6 into the policies' IPv6 chains (the default policy's is `balance6`).
import { hex, network6, type DesiredBuilder, type WorldView } from '../../plugin-api/index.ts';
import { CLASSIFY_CHAIN6, DEFAULT_CHAIN6, ENFORCE_METRIC } from './names.ts';
import { renderPolicy } from './render.ts';
import { policiesOf } from './resolve.ts';
import { policiesInUse, renderRules, ruleFamilies } from './rules.ts';

export { DEFAULT_CHAIN6 };

/** Whether mwan marks the LAN's IPv6 connections: `ipv6.mode` npt with at least one LAN prefix. */
export function marksIpv6(world: WorldView): boolean {
  return world.config.ipv6?.mode === 'npt' && world.config.ipv6.lan.length > 0;
}

const devices = (names: string[]) => `{ ${names.map((n) => `"${n}"`).join(', ')} }`;

/** The LAN prefixes and the WANs' IPv6 networks: never balanced. */
function localNets6(world: WorldView): string[] {
  const nets = [
    ...(world.config.ipv6?.lan ?? []).map((l) => l.prefix),
    ...world.wans.flatMap((w) =>
      w.ipv6?.address && w.ipv6.prefixLength !== undefined
        ? [network6({ address: w.ipv6.address, length: w.ipv6.prefixLength })]
        : [],
    ),
  ];
  return [...new Set(nets)].sort();
}

/**
 * The entry rule for mark_prerouting (placed before the IPv4 one) and its objects, IPv4's twins: each policy in use
 * rendered for IPv6 (its members in service for IPv6, persistence keyed on `ipv6_addr`), and with rules that apply to
 * IPv6 the `classify6` chain (first match wins, the rest of the LAN to `balance6`); `local_nets6` never balanced.
 * Nothing to do (no rule for IPv6 and the default policy has no member in service for IPv6 and whenNone main): no
 * entry, IPv6 connections stay unmarked and follow the IPv6 multipath default (or the host's main table). The
 * router's own IPv6 connections are not classified.
 */
export function ipv6Entry(d: DesiredBuilder, world: WorldView, lanDevices: string[]): string | undefined {
  if (!marksIpv6(world) || lanDevices.length === 0) return undefined;
  const rules6 = world.config.rules.filter((r) => ruleFamilies(r).includes('ipv6'));
  const r = rules6.length ? renderRules(world, 'ipv6') : undefined;
  const { policies } = policiesOf(world.config);
  const rendered = policiesInUse(world).map((name) => renderPolicy(policies.get(name)!, world, 'ipv6'));
  if (!r && rendered[0].chain.rules.length === 0) return undefined;
  for (const p of rendered) {
    d.chain(p.chain);
    for (const c of p.extraChains) d.chain(c);
    for (const s of p.sets) d.set(s);
  }
  const extraIif = [...new Set(rules6.flatMap((x) => (x.iif && !lanDevices.includes(x.iif) ? [x.iif] : [])))];
  if (r) {
    for (const s of r.sets) d.set(s);
    for (const c of r.chains) d.chain(c);
    d.chain({ name: CLASSIFY_CHAIN6, rules: [...r.classify, `iifname ${devices(lanDevices)} goto ${DEFAULT_CHAIN6}`] });
    for (const name of r.enforced) {
      const w = world.wans.find((x) => x.name === name)!;
      // As for IPv4: marked IPv6 traffic of an enforced WAN whose routes are gone meets this instead of another WAN.
      if (w.ipv6)
        d.route({ family: 'ipv6', table: w.table, dst: 'default', type: 'unreachable', metric: ENFORCE_METRIC });
    }
  }
  d.set({ name: 'local_nets6', kind: 'set', type: 'ipv6_addr', flags: ['interval'], elements: localNets6(world) });
  const target = r ? CLASSIFY_CHAIN6 : DEFAULT_CHAIN6;
  return `iifname ${devices([...lanDevices, ...extraIif])} ct state new ct mark & ${hex(world.layout.mask)} == 0 ip6 daddr != @local_nets6 jump ${target}`;
}
