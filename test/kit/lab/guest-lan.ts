// A second LAN for the lab (createLab({ guestLan: true })): a guest host on the router's guest0, 10.78.0.0/24 and, dual stack, fd00:78::/64.
//
//   guest eth0 10.78.0.2 fd00:78::2 ── guest0 10.78.0.1 fd00:78::1 router

export interface GuestAddresses {
  /** The guest host's and the router's IPv4 addresses on the second LAN. */
  host: string;
  routerLan: string;
  /** The same in the second LAN's ULA prefix (fd00:78::/64); only in a dual-stack lab. */
  host6: string;
  routerLan6: string;
  prefix6: string;
}

export const GUEST: GuestAddresses = {
  host: '10.78.0.2',
  routerLan: '10.78.0.1',
  host6: 'fd00:78::2',
  routerLan6: 'fd00:78::1',
  prefix6: 'fd00:78::/64',
};

/** Router lines (phase 1, in the router namespace): the veth guest0 with its peer moved into the guest namespace. */
export function guestRouterLinks(guestNs: string): string[] {
  return [
    `link add guest0 type veth peer name eth0 netns ${guestNs}`,
    `addr add ${GUEST.routerLan}/24 dev guest0`,
    'link set guest0 up',
  ];
}

/** Guest namespace lines (phase 2): its address, default route and, dual stack, the same in IPv6. */
export function guestHostLines(ipv6: boolean): string[] {
  return [
    'link set lo up',
    `addr add ${GUEST.host}/24 dev eth0`,
    'link set eth0 up',
    `route add default via ${GUEST.routerLan} dev eth0`,
    ...(ipv6
      ? [`addr add ${GUEST.host6}/64 dev eth0 nodad`, `route add default via ${GUEST.routerLan6} dev eth0`]
      : []),
  ];
}

/** Router lines (phase 2, dual stack): its address in the guest ULA prefix. */
export function guestRouter6Lines(): string[] {
  return [`addr add ${GUEST.routerLan6}/64 dev guest0 nodad`];
}
