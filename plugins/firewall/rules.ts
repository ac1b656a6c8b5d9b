// The firewall's rules as data: input and forward chains for WAN-arriving traffic, forwarding groups between interfaces.
import { nftSet, type WorldView } from '../../plugin-api/index.ts';
import type { FirewallConfig } from './options.ts';
import { forward6Early, forward6FromWans, input6Early, input6FromWans, ipv6On } from './ipv6.ts';

export const FILTER = 0;
export const INPUT_CHAIN = 'fw_input';
export const FORWARD_CHAIN = 'fw_forward';
export const INPUT_DROP_CHAIN = 'fw_drop_input';
export const FORWARD_DROP_CHAIN = 'fw_drop_forward';
export const INPUT_LOG_PREFIX = 'mwan drop input: ';
export const FORWARD_LOG_PREFIX = 'mwan drop forward: ';

/** One group as devices: the LANs in it (which may open connections) and every member (which they may reach). */
export interface GroupDevices {
  lans: string[];
  members: string[];
}

/** Resolves forwarding groups (names, ':lan', ':isp', ':wan') to devices; no groups means one group of everything. */
export function groupDevices(world: WorldView, groups: string[][] | undefined): GroupDevices[] {
  const lanOf = new Map(world.lans.map((l) => [l.name, l.device]));
  const wanOf = new Map(world.wans.map((w) => [w.name, w.device]));
  const allLans = world.lans.map((l) => l.device);
  const allWans = world.wans.map((w) => w.device);
  return (groups ?? [[':lan', ':isp']]).map((group) => {
    const lans = new Set<string>();
    const wans = new Set<string>();
    for (const m of group) {
      if (m === ':lan') for (const d of allLans) lans.add(d);
      else if (m === ':isp' || m === ':wan') for (const d of allWans) wans.add(d);
      else if (lanOf.has(m)) lans.add(lanOf.get(m)!);
      else if (wanOf.has(m)) wans.add(wanOf.get(m)!);
    }
    return { lans: [...lans], members: [...lans, ...wans] };
  });
}

/** The shared tail of both chains: a rate-limited log line, then drop. */
export function dropChainRules(fw: FirewallConfig, prefix: string): string[] {
  return [...(fw.log ? [`limit rate ${fw.logRatePerMinute}/minute log prefix "${prefix}"`] : []), 'counter drop'];
}

/**
 * Input: established and related traffic, loopback and the LANs pass; from the WANs only rate-limited pings,
 * DHCP replies, forwards to the router itself and SSH from the allowed networks; the rest of the WANs' traffic
 * is logged and dropped. Interfaces mwan does not manage are left alone (policy accept). With an `ipv6` section the
 * same holds for IPv6, plus RFC 4890's ICMPv6 essentials and DHCPv6 replies (ipv6.ts); without one IPv6 passes.
 */
export function inputRules(world: WorldView, fw: FirewallConfig): string[] {
  const wans = nftSet(world.wans.map((w) => w.device));
  const lans = world.lans.map((l) => l.device);
  const v6 = ipv6On(world);
  const rules = [
    v6 ? 'meta nfproto != { ipv4, ipv6 } accept' : 'meta nfproto != ipv4 accept',
    'ct state established,related accept',
    ...(v6 ? input6Early() : []),
    `iifname ${wans} ct state invalid drop`,
    'iifname "lo" accept',
    ...(lans.length ? [`iifname ${nftSet(lans)} accept`] : []),
    'ct status dnat accept',
  ];
  if (fw.icmpRatePerSecond > 0)
    rules.push(`iifname ${wans} icmp type echo-request limit rate ${fw.icmpRatePerSecond}/second accept`);
  rules.push(`iifname ${wans} udp sport 67 udp dport 68 accept`);
  if (v6) rules.push(...input6FromWans(world, fw));
  if (fw.ssh) {
    const from = fw.ssh.from.includes('0.0.0.0/0') ? '' : ` ip saddr ${nftSet(fw.ssh.from, false)}`;
    rules.push(`iifname ${wans}${from} tcp dport ${fw.ssh.port} accept`);
  }
  rules.push(`iifname ${wans} jump ${INPUT_DROP_CHAIN}`);
  return rules;
}

/**
 * Forward: established and related traffic and port forwards pass; a LAN may open connections to the members of
 * its forwarding groups and to itself (hairpin); new connections from the WANs, and between managed interfaces
 * outside any group, are logged and dropped. With an `ipv6` section: ICMPv6 errors pass, and in prefixes mode the
 * forwards' pinholes (ipv6.ts).
 */
export function forwardRules(world: WorldView, fw: FirewallConfig): string[] {
  const wanDevs = world.wans.map((w) => w.device);
  const lanDevs = world.lans.map((l) => l.device);
  const v6 = ipv6On(world);
  const rules = [
    v6 ? 'meta nfproto != { ipv4, ipv6 } accept' : 'meta nfproto != ipv4 accept',
    'ct state established,related accept',
    ...(v6 ? forward6Early() : []),
    `iifname ${nftSet(wanDevs)} ct state invalid drop`,
    'ct status dnat accept',
    ...(v6 ? forward6FromWans(world, fw) : []),
  ];
  const groups = groupDevices(world, fw.forwardingGroups).filter((g) => g.lans.length);
  for (const g of groups) rules.push(`iifname ${nftSet(g.lans)} oifname ${nftSet(g.members)} accept`);
  for (const lan of lanDevs.filter((d) => !groups.some((g) => g.lans.includes(d))))
    rules.push(`iifname "${lan}" oifname "${lan}" accept`);
  rules.push(`iifname ${nftSet(wanDevs)} jump ${FORWARD_DROP_CHAIN}`);
  // Only explicit groups can leave pairs of managed interfaces unallowed; the default group allows them all.
  if (fw.forwardingGroups && lanDevs.length)
    rules.push(`iifname ${nftSet(lanDevs)} oifname ${nftSet([...lanDevs, ...wanDevs])} jump ${FORWARD_DROP_CHAIN}`);
  return rules;
}
