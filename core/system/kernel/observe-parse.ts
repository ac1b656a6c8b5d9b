// Parses `ip -N -json addr show` and default routes from `ip -N -json route show table all` (numeric tables and protocols) into observed links and gateways.
import { tableNumber } from './ip-names.ts';
import type { JsonRoute } from './ip-read.ts';
import { canonicalIPv6 } from '../ipv6-text.ts';
import type { ForeignDefault, LinkState, KernelOwnership } from './adapter.ts';

interface JsonAddrLink {
  ifname: string;
  flags?: string[];
  operstate?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; tentative?: boolean }[];
}

export function parseLinks(json: string): LinkState[] {
  return (JSON.parse(json || '[]') as JsonAddrLink[]).map((l) => ({
    name: l.ifname,
    adminUp: l.flags?.includes('UP') ?? false,
    carrier: l.flags?.includes('LOWER_UP') ?? false,
    pointToPoint: l.flags?.includes('POINTOPOINT') ?? false,
    addresses: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet')
      .map((a) => ({ address: a.local, prefixLength: a.prefixlen })),
    addresses6: (l.addr_info ?? [])
      // `-N` prints scopes as numbers: 0 is global (universe)
      .filter((a) => a.family === 'inet6' && (a.scope === 'global' || a.scope === '0') && !a.tentative)
      .map((a) => ({ address: canonicalIPv6(a.local), prefixLength: a.prefixlen })),
  }));
}

/** Default routes not installed by mwan, one entry per device they use. */
export function parseForeignDefaults(json: string, own: KernelOwnership): ForeignDefault[] {
  const out: ForeignDefault[] = [];
  for (const r of JSON.parse(json || '[]') as JsonRoute[]) {
    if (r.dst !== 'default' || Number(r.protocol) === own.routeProtocol) continue;
    const table = tableNumber(r.table ?? 'main');
    const paths = r.nexthops ?? [{ gateway: r.gateway, dev: r.dev ?? '' }];
    for (const p of paths) if (p.dev) out.push({ dev: p.dev, via: p.gateway, table, metric: r.metric });
  }
  return out;
}
