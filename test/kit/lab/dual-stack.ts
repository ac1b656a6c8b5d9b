// The lab's IPv6 half (createLab({ ipv6: true })): each ISP routes 2001:db8:<i>::/48 and delegates a /56 to the router.
//
//   client fd00:77::2 ── lan0 fd00:77::1 router wan<i> 2001:db8:<i>::2 ── down0 2001:db8:<i>::1 isp<i>
//   isp<i> up0 2001:db8:0:<i>::2 ── isp<i> 2001:db8:0:<i>::1 inet (servers 2001:db8::10 and ::11 on lo)
// ISP i routes the delegated 2001:db8:<i>:100::/56 to the router's WAN address; inet routes each /48 to its ISP.
// No NAT anywhere: the server sees the source the router sent (its WAN address, or a LAN address after NPTv6).

export interface Lab6Addresses {
  /** The LAN's ULA prefix (fd00:77::/64) and the client's and router's addresses in it. */
  lanPrefix: string;
  client: string;
  routerLan: string;
  /** The router's address on WAN i's link (2001:db8:<i>::2/64). */
  routerWan: (i: number) => string;
  /** ISP i's end of that link, the router's IPv6 gateway on WAN i. */
  ispGateway: (i: number) => string;
  /** ISP i's whole block, 2001:db8:<i>::/48. */
  ispPrefix: (i: number) => string;
  /** The /56 ISP i delegates to the router (2001:db8:<i>:100::/56). */
  delegated: (i: number) => string;
  server: string;
  server2: string;
}

/** The IPv6 addresses of a lab; `checkIsp` throws for an index outside 1..wans. */
export function lab6Addresses(checkIsp: (i: number) => number): Lab6Addresses {
  return {
    lanPrefix: 'fd00:77::/64',
    client: 'fd00:77::2',
    routerLan: 'fd00:77::1',
    routerWan: (i) => `2001:db8:${checkIsp(i)}::2`,
    ispGateway: (i) => `2001:db8:${checkIsp(i)}::1`,
    ispPrefix: (i) => `2001:db8:${checkIsp(i)}::/48`,
    delegated: (i) => `2001:db8:${checkIsp(i)}:100::/56`,
    server: '2001:db8::10',
    server2: '2001:db8::11',
  };
}

/** The ISP whose /48 holds `addr` (2001:db8:<i>:…), if it is one of 1..wans. */
export function ispForAddress6(addr: string, wans: number): number | undefined {
  const m = /^2001:db8:([0-9a-f]{1,4}):/i.exec(addr.trim());
  if (!m) return undefined;
  const i = Number.parseInt(m[1], 16);
  return i >= 1 && i <= wans ? i : undefined;
}

const transit = (i: number, end: 1 | 2): string => `2001:db8:0:${i}::${end}`;

/** `ip -batch` lines per namespace that add the IPv6 half to a lab whose links exist and are up (phase 2). */
export function lab6Batches(
  a: Lab6Addresses,
  isps: number[],
  defaultVia: number | undefined,
): { client: string[]; router: string[]; inet: string[]; isp: (i: number) => string[] } {
  return {
    client: [`addr add ${a.client}/64 dev eth0 nodad`, `route add default via ${a.routerLan} dev eth0`],
    router: [
      `addr add ${a.routerLan}/64 dev lan0 nodad`,
      ...isps.map((i) => `addr add ${a.routerWan(i)}/64 dev wan${i} nodad`),
      ...(defaultVia === undefined ? [] : [`route add default via ${a.ispGateway(defaultVia)} dev wan${defaultVia}`]),
    ],
    inet: [
      `addr add ${a.server}/128 dev lo`,
      `addr add ${a.server2}/128 dev lo`,
      ...isps.flatMap((i) => [
        `addr add ${transit(i, 1)}/64 dev isp${i} nodad`,
        `route add ${a.ispPrefix(i)} via ${transit(i, 2)} dev isp${i}`,
      ]),
    ],
    isp: (i) => [
      `addr add ${a.ispGateway(i)}/64 dev down0 nodad`,
      `addr add ${transit(i, 2)}/64 dev up0 nodad`,
      `route add default via ${transit(i, 1)} dev up0`,
      `route add ${a.delegated(i)} via ${a.routerWan(i)} dev down0`,
    ],
  };
}

/** ISP i's IPv6 lines after its down0 came back up (the down flushed them): its address and the delegated route. */
export function lab6CarrierBack(a: Lab6Addresses, i: number): string[] {
  return [
    `addr replace ${a.ispGateway(i)}/64 dev down0 nodad`,
    `route replace ${a.delegated(i)} via ${a.routerWan(i)} dev down0`,
  ];
}

/**
 * `ip -6 -batch` lines for the router: each WAN its own table (100 + i) with an IPv6 default route, chosen by
 * `from <WAN address>` (priority 1000 + i). A socket bound to a WAN's device or address needs exactly this: with no
 * IPv6 route for the device in the tables it consults, sending fails with "network unreachable". This is what mwan's
 * route-tables plugin is to install in mwan's own tables (docs/ipv6.md); lab tests set it up by hand until then.
 */
export function sourceRouting6(a: Lab6Addresses, isps: number[]): string[] {
  return isps.flatMap((i) => [
    `route add default via ${a.ispGateway(i)} dev wan${i} table ${100 + i}`,
    `rule add from ${a.routerWan(i)} lookup ${100 + i} priority ${1000 + i}`,
  ]);
}

/** Set before any link exists: addresses (link-local ones too) skip duplicate address detection, usable at once. */
export const NO_DAD = 'net.ipv6.conf.default.accept_dad=0';

/** Sysctls that let the router and the ISPs forward IPv6 (statically addressed: no RA is accepted or needed). */
export const FORWARD6 = 'net.ipv6.conf.all.forwarding=1';

/** nft lines for the ISP's `ip6 lab` table: cutUpstream drops in it, as the `ip lab` table does for IPv4. */
export const isp6Ruleset = `
table ip6 lab {
  chain forward { type filter hook forward priority filter; policy accept; }
  chain input { type filter hook input priority filter; policy accept; }
  chain output { type filter hook output priority filter; policy accept; }
}
`;
