// The HA lab's IPv6 half (createHaLab({ ipv6: true })): a ULA LAN behind a virtual link-local gateway, a shared /64 per ISP.
//
//   client fd00:77::100 (default via fe80::1) ── lan0 fd00:77::2 / ::3 (r1 / r2; fe80::1 on the master)
//   r1 / r2 wan<i> 2001:db8:<i>::2 / ::3 (2001:db8:<i>::10 on the master) ── down0 2001:db8:<i>::1 isp<i>
//   isp<i> up0 2001:db8:0:<i>::2 ── isp<i> 2001:db8:0:<i>::1 inet (server 2001:db8::10 on lo)
// ISP i routes the delegated 2001:db8:<i>:100::/56 to the WAN virtual address, so it reaches whichever router is master.
import type { RouterName } from './ha-pair.ts';

const NUMBER: Record<RouterName, number> = { r1: 2, r2: 3 };

export interface HaLab6Addresses {
  lanPrefix: string;
  client: string;
  /** The virtual link-local gateway of the LAN (ha.lan6). */
  lanVip: string;
  routerLan: (r: RouterName) => string;
  routerWan: (r: RouterName, i: number) => string;
  /** The WAN virtual address (ha.wans6): the ISP routes the delegated prefix to it. */
  wanVip: (i: number) => string;
  ispGateway: (i: number) => string;
  /** The /56 ISP i delegates (its first /64 is what NPTv6 translates the LAN to). */
  delegated: (i: number) => string;
  server: string;
}

export const haLab6Addresses: HaLab6Addresses = {
  lanPrefix: 'fd00:77::/64',
  client: 'fd00:77::100',
  lanVip: 'fe80::1',
  routerLan: (r) => `fd00:77::${NUMBER[r]}`,
  routerWan: (r, i) => `2001:db8:${i}::${NUMBER[r]}`,
  wanVip: (i) => `2001:db8:${i}::10`,
  ispGateway: (i) => `2001:db8:${i}::1`,
  delegated: (i) => `2001:db8:${i}:100::/56`,
  server: '2001:db8::10',
};

const transit = (i: number, end: 1 | 2): string => `2001:db8:0:${i}::${end}`;

/**
 * Set in every namespace before its links exist: addresses (link-local ones too) skip duplicate address detection,
 * and a link set down keeps its IPv6 addresses (a power loss sets a router's links down; a real reboot would put its
 * static addresses back, and the lab's powerOn only sets the links up again).
 */
export const HA_SYSCTLS6 = [
  'sysctl',
  '-q',
  '-w',
  'net.ipv6.conf.default.accept_dad=0',
  'net.ipv6.conf.all.accept_dad=0',
  'net.ipv6.conf.default.keep_addr_on_down=1',
  'net.ipv6.conf.all.keep_addr_on_down=1',
];

/** `ip -batch` lines per namespace once the IPv4 lab's links are up. */
export function haLab6Batches(
  a: HaLab6Addresses,
  isps: number[],
): { client: string[]; router: (r: RouterName) => string[]; inet: string[]; isp: (i: number) => string[] } {
  return {
    client: [`addr add ${a.client}/64 dev eth0 nodad`, `route add default via ${a.lanVip} dev eth0`],
    router: (r) => [
      `addr add ${a.routerLan(r)}/64 dev lan0 nodad`,
      ...isps.map((i) => `addr add ${a.routerWan(r, i)}/64 dev wan${i} nodad`),
    ],
    inet: [
      `addr add ${a.server}/128 dev lo`,
      ...isps.flatMap((i) => [
        `addr add ${transit(i, 1)}/64 dev isp${i} nodad`,
        `route add 2001:db8:${i}::/48 via ${transit(i, 2)} dev isp${i}`,
      ]),
    ],
    isp: (i) => [
      `addr add ${a.ispGateway(i)}/64 dev down0 nodad`,
      `addr add ${transit(i, 2)}/64 dev up0 nodad`,
      `route add default via ${transit(i, 1)} dev up0`,
      `route add ${a.delegated(i)} via ${a.wanVip(i)} dev down0`,
    ],
  };
}

/** What a reboot of router r loses besides IPv4: the IPv6 virtual addresses keepalived held. */
export const haLab6RebootLines = (a: HaLab6Addresses, isps: number[]): string[] => [
  `addr del ${a.lanVip}/64 dev lan0`,
  ...isps.map((i) => `addr del ${a.wanVip(i)}/128 dev wan${i}`),
];

/** The ISP whose delegated /56 holds `addr` (2001:db8:<i>:1xx::…), if it is one of `isps`. */
export function ispForAddress6(addr: string, isps: number[]): number | undefined {
  const m = /^2001:db8:([0-9a-f]{1,4}):1[0-9a-f]{2}:/i.exec(addr.trim());
  const i = m ? Number.parseInt(m[1], 16) : Number.NaN;
  return isps.includes(i) ? i : undefined;
}
