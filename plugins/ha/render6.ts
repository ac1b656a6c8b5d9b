// The IPv6 parts of keepalived.conf and conntrackd.conf: the virtual IPv6 addresses ride in the IPv4 instance, excluded from its adverts.
import type { Ha6 } from './options6.ts';

/** What the IPv6 parts render from (a NodePlan has these). */
export interface Plan6 {
  ha: Ha6;
  lanDevices: string[];
  /** WAN name → device. */
  wanDevices: Record<string, string>;
}

/**
 * `virtual_ipaddress_excluded` of the one VRRP instance: keepalived allows only one family in `virtual_ipaddress`,
 * the excluded block may hold the other, so both families move in the same election. The LAN's link-local gateway is
 * a /64 (preferred); a WAN's address is a /128, which keepalived adds deprecated (preferred_lft 0): it answers
 * neighbour solicitations and receives, but the kernel does not pick it as a source and mwan's `auto` WAN address
 * stays the router's own.
 */
export function excludedAddresses6(p: Plan6): string[] {
  const lan6 = p.ha.lan6 ?? {};
  const wans6 = p.ha.wans6 ?? {};
  const lines = [
    ...p.lanDevices.flatMap((d) => (lan6[d] ? [`    ${lan6[d]}/64 dev ${d}`] : [])),
    ...Object.entries(p.wanDevices).flatMap(([name, d]) => (wans6[name] ? [`    ${wans6[name]}/128 dev ${d}`] : [])),
  ];
  return lines.length ? ['  virtual_ipaddress_excluded {', ...lines, '  }'] : [];
}

/** conntrackd's Address Ignore entries for IPv6: connections to the router itself (loopback, the virtual addresses). */
export function ignoredAddresses6(p: Plan6): string[] {
  const vips = [...Object.values(p.ha.lan6 ?? {}), ...Object.values(p.ha.wans6 ?? {})];
  return vips.length ? ['::1', ...vips].map((a) => `      IPv6_address ${a}`) : [];
}
