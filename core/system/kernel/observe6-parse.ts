// Parses what `ip -6 -N -json addr show` and `route show table all` say about IPv6 on the devices (issue 13): global addresses, foreign default routes (RA), delegated prefixes.
import type { KernelOwnership, Observed6 } from './adapter.ts';
import { parseForeignDefaults } from './observe-parse.ts';
import { canonicalIPv6, canonicalPrefix6 } from '../ipv6-text.ts';
import { tableNumber } from './ip-names.ts';

interface JsonAddr6 {
  ifname: string;
  addr_info?: {
    family: string;
    local: string;
    prefixlen: number;
    scope?: string;
    tentative?: boolean;
    deprecated?: boolean;
    dadfailed?: boolean;
  }[];
}

interface JsonRoute6 {
  dst: string;
  type?: string;
  dev?: string;
  protocol?: string;
  table?: string;
}

/** Usable global addresses per device (not tentative, deprecated or failed DAD), in the order `ip` lists them. */
export function parseAddresses6(json: string): Observed6['addresses'] {
  return (JSON.parse(json || '[]') as JsonAddr6[]).flatMap((l) =>
    (l.addr_info ?? [])
      // `-N` (as the adapter reads) prints scopes as numbers: 0 is global (universe).
      .filter(
        (a) =>
          a.family === 'inet6' &&
          (a.scope === 'global' || a.scope === '0') &&
          !a.tentative &&
          !a.deprecated &&
          !a.dadfailed,
      )
      .map((a) => ({ dev: l.ifname, address: canonicalIPv6(a.local), prefixLength: a.prefixlen })),
  );
}

/** `ip -N` prints route types as numbers (RTN_UNICAST 1, RTN_BLACKHOLE 6, RTN_UNREACHABLE 7); without -N, names. */
const RTN: Record<string, string> = { '1': 'unicast', '6': 'blackhole', '7': 'unreachable' };
const routeType = (type: string | undefined): string => (type === undefined ? 'unicast' : (RTN[type] ?? type));

/**
 * What a DHCPv6-PD client leaves of a delegated prefix (dhcpcd, systemd-networkd, odhcp6c): an unreachable or
 * blackhole route for the whole prefix (shorter than /64), or a /64 routed on a device. Not mwan's own routes.
 */
export function parseDelegated6(json: string, own: KernelOwnership): Observed6['delegated'] {
  const out: Observed6['delegated'] = [];
  for (const r of JSON.parse(json || '[]') as JsonRoute6[]) {
    if (r.dst === 'default' || Number(r.protocol) === own.routeProtocol || !r.dst.includes('/')) continue;
    if (r.dst.startsWith('fe80:') || r.dst.startsWith('ff')) continue;
    if (tableNumber(r.table ?? 'main') !== 254) continue;
    const [, len] = r.dst.split('/');
    const prefix = canonicalPrefix6(r.dst);
    const type = routeType(r.type);
    if ((type === 'unreachable' || type === 'blackhole') && Number(len) < 64) out.push({ prefix });
    else if (type === 'unicast') out.push({ prefix, dev: r.dev });
  }
  return out;
}

/** The IPv6 half of an observation from the two JSON texts. */
export function parseObserved6(addrs: string, routes: string, own: KernelOwnership): Observed6 {
  return {
    addresses: parseAddresses6(addrs),
    defaults: parseForeignDefaults(routes, own).map((d) => ({ ...d, via: d.via && canonicalIPv6(d.via) })),
    delegated: parseDelegated6(routes, own),
  };
}
