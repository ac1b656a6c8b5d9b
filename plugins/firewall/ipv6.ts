// The firewall's IPv6 rules: RFC 4890's ICMPv6 essentials, DHCPv6 replies, and pinholes for forwards in `ipv6.mode: prefixes`.
import {
  hostInPrefix64,
  hostInSubnetProblem,
  lanPrefixes6,
  nftSet,
  parseAddressWithPrefix,
  portMatch,
  type WanView,
  type WorldView,
} from '../../plugin-api/index.ts';
import type { FirewallConfig } from './options.ts';

/** Neighbour discovery (RFC 4861): valid only on-link, so only with hop limit 255 (RFC 4890 4.4.1). */
export const ND_RULE =
  'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } ip6 hoplimit 255 accept';
/** Multicast listener discovery from link-local sources (RFC 4890 4.4.1). */
export const MLD_RULE =
  'ip6 saddr fe80::/10 icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } accept';
/** Errors that must never be dropped: PMTU discovery (packet-too-big) and the others (RFC 4890 4.3.1). */
export const ERRORS_RULE =
  'icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept';

/** The firewall covers IPv6 when the configuration has an `ipv6` section; without one IPv6 passes as before. */
export function ipv6On(world: WorldView): boolean {
  return world.config.ipv6 !== undefined;
}

/** Input, before the invalid-state drop: ND (untracked by conntrack), MLD and ICMPv6 errors, from any interface. */
export function input6Early(): string[] {
  return [ND_RULE, MLD_RULE, ERRORS_RULE];
}

/** Input from the WANs: rate-limited echo requests and the replies to the router's own DHCPv6 (prefix delegation) client. */
export function input6FromWans(world: WorldView, fw: FirewallConfig): string[] {
  const wans = nftSet(world.wans.map((w) => w.device));
  return [
    ...(fw.icmpRatePerSecond > 0
      ? [`iifname ${wans} icmpv6 type echo-request limit rate ${fw.icmpRatePerSecond}/second accept`]
      : []),
    `iifname ${wans} ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept`,
  ];
}

/** Forward, before the invalid-state drop: ICMPv6 errors (PMTU above all) pass in both directions. */
export function forward6Early(): string[] {
  return [ERRORS_RULE];
}

/** Forward from the WANs: rate-limited echo requests to LAN hosts (RFC 4890 4.3.2) and the pinholes. */
export function forward6FromWans(world: WorldView, fw: FirewallConfig): string[] {
  const wans = nftSet(world.wans.map((w) => w.device));
  return [
    ...(fw.icmpRatePerSecond > 0
      ? [`iifname ${wans} icmpv6 type echo-request limit rate ${fw.icmpRatePerSecond}/second accept`]
      : []),
    ...pinholeRules(world),
  ];
}

/** The LAN device whose IPv4 network holds a forward's `to` host (`10.0.0.5` or `10.0.0.5:8080`), if any. */
function lanOf(world: WorldView, to: string | undefined): string | undefined {
  const host = to?.split(':')[0];
  if (!host) return undefined;
  return world.lans.find((l) =>
    l.networks.some((n) => {
      const net = parseAddressWithPrefix(n);
      return net !== undefined && hostInSubnetProblem(host, net) === undefined;
    }),
  )?.device;
}

/** The /64 an interface identifier is joined to on a WAN: the forward's LAN's (found by `to`), else the first LAN's. */
function prefixFor(world: WorldView, w: WanView, lan: string | undefined): string | undefined {
  const prefixes = lanPrefixes6(world.config, w);
  return (prefixes.find((p) => p.device === lan) ?? prefixes[0])?.prefix;
}

/**
 * In prefixes mode each forward with an IPv6 host (`to6`) opens its port to that host from its WANs, untranslated:
 * a whole address on every WAN of the forward, an interface identifier (`::5`) on each WAN at that WAN's /64 of the
 * host's LAN (the LAN whose IPv4 network holds `to`; without one, the first advertised LAN). A WAN whose prefix is
 * not known yet opens nothing for an identifier.
 */
export function pinholeRules(world: WorldView): string[] {
  if (world.config.ipv6?.mode !== 'prefixes') return [];
  const rules: string[] = [];
  for (const f of world.config.forwards ?? []) {
    if (!f.to6) continue;
    const wans = f.wans ? world.wans.filter((w) => f.wans!.includes(w.name)) : world.wans;
    const protos: ('tcp' | 'udp')[] = f.proto === 'both' ? ['tcp', 'udp'] : [f.proto];
    // One rule per address, listing the WANs it is reached on (a whole address: all of them).
    const byAddress = new Map<string, string[]>();
    const lan = lanOf(world, f.to);
    for (const w of wans) {
      const addr = hostInPrefix64(f.to6, prefixFor(world, w, lan));
      if (addr) byAddress.set(addr, [...(byAddress.get(addr) ?? []), w.device]);
    }
    for (const [addr, devices] of byAddress)
      for (const proto of protos)
        rules.push(`iifname ${nftSet(devices)} ip6 daddr ${addr} ${portMatch(proto, f.port)} accept`);
  }
  return rules;
}
