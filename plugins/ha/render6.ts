// The IPv6 parts of keepalived.conf and conntrackd.conf: a second VRRP instance for the virtual IPv6 addresses, synced with the IPv4 one.
import type { Ha6 } from './options6.ts';

/** What the IPv6 parts render from (a NodePlan has these). */
export interface Plan6 {
  ha: Ha6;
  lanDevices: string[];
  /** WAN name → device. */
  wanDevices: Record<string, string>;
}

/**
 * The IPv6 instance's `virtual_ipaddress` lines: keepalived allows one family per instance, and an IPv6 instance's
 * first address must be link-local (RFC 5798): the first LAN's gateway comes first. The LAN gateways are /64
 * (preferred); a WAN's address is a /128, which keepalived adds deprecated (preferred_lft 0): it answers neighbour
 * solicitations and receives, but the kernel does not pick it as a source, so mwan's `auto` WAN address stays the
 * router's own. Empty without IPv6 virtual addresses.
 */
export function virtualAddresses6(p: Plan6): string[] {
  const lan6 = p.ha.lan6 ?? {};
  const wans6 = p.ha.wans6 ?? {};
  return [
    ...p.lanDevices.flatMap((d) => (lan6[d] ? [`    ${lan6[d]}/64 dev ${d}`] : [])),
    ...Object.entries(p.wanDevices).flatMap(([name, d]) => (wans6[name] ? [`    ${wans6[name]}/128 dev ${d}`] : [])),
  ];
}

/** The sync group (named as the uplinks' one, which it replaces when there are none): its members change role together. */
export function syncGroup(members: string[]): string[] {
  return ['vrrp_sync_group mwan_pair {', '  group {', ...members.map((m) => `    ${m}`), '  }', '}'];
}

/** conntrackd's Address Ignore entries for IPv6: connections to the router itself (loopback, the virtual addresses). */
export function ignoredAddresses6(p: Plan6): string[] {
  const vips = [...Object.values(p.ha.lan6 ?? {}), ...Object.values(p.ha.wans6 ?? {})];
  return vips.length ? ['::1', ...vips].map((a) => `      IPv6_address ${a}`) : [];
}
