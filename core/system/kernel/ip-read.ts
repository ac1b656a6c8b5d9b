// Parses `ip -N -json rule show` and `ip -N -json route show` (numbers, so names in rt_tables/rt_protos change nothing) into the same specs plugins write, keeping only mwan's own.
import { routeTypeOf, scopeOf, tableNumber } from './ip-names.ts';
import type { Nexthop, RouteSpec, RuleSpec } from '../../reconcile/desired.ts';

export interface Ownership {
  routeProtocol: number;
  priorityRange: [number, number];
  tableRange: [number, number];
}

export interface JsonRule {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  oif?: string;
  table?: string;
  suppress_prefixlen?: number;
  protocol?: string;
}
export interface JsonNexthop {
  gateway?: string;
  dev: string;
  weight?: number;
  flags?: string[];
}
export interface JsonRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags?: string[];
  table?: string;
  nexthops?: JsonNexthop[];
  type?: string;
}

function withLen(addr: string | undefined, len: number | undefined): string | undefined {
  if (!addr || addr === 'all') return undefined;
  return len === undefined || len === 32 ? addr : `${addr}/${len}`;
}

export function protocolMatches(value: string | undefined, proto: number): boolean {
  return value !== undefined && Number(value) === proto;
}

export function parseRules(json: string, own: Ownership): RuleSpec[] {
  const rows = JSON.parse(json || '[]') as JsonRule[];
  return rows
    .filter((r) => protocolMatches(r.protocol, own.routeProtocol))
    .filter((r) => r.priority >= own.priorityRange[0] && r.priority <= own.priorityRange[1])
    .map((r) => ({
      priority: r.priority,
      from: withLen(r.src, r.srclen),
      to: withLen(r.dst, r.dstlen),
      fwmark: r.fwmark !== undefined ? Number(r.fwmark) : undefined,
      // `ip -json` leaves out a full 0xffffffff mask
      fwmask: r.fwmask !== undefined ? Number(r.fwmask) : r.fwmark !== undefined ? 0xffffffff : undefined,
      iif: r.iif,
      oif: r.oif,
      table: tableNumber(r.table ?? 'main'),
      suppressPrefixLength: r.suppress_prefixlen,
    }));
}

function nexthop(n: JsonNexthop): Nexthop {
  return { via: n.gateway, dev: n.dev, weight: n.weight ?? 1, onlink: n.flags?.includes('onlink') || undefined };
}

/** Routes read with `ip -json route show table all`: only those in mwan's tables with mwan's protocol. */
export function parseRoutes(json: string, own: Ownership): RouteSpec[] {
  const rows = JSON.parse(json || '[]') as JsonRoute[];
  return rows
    .filter((r) => protocolMatches(r.protocol, own.routeProtocol) && r.table !== undefined)
    .filter((r) => {
      const t = tableNumber(r.table!);
      return t >= own.tableRange[0] && t <= own.tableRange[1];
    })
    .map((r) => ({ ...r, type: routeTypeOf(r.type), scope: scopeOf(r.scope) }))
    .map((r) => ({
      table: tableNumber(r.table!),
      ...(r.type === 'unreachable' || r.type === 'blackhole' ? { type: r.type as 'unreachable' | 'blackhole' } : {}),
      dst: r.dst,
      via: r.gateway,
      dev: r.dev,
      nexthops: r.nexthops?.map(nexthop),
      src: r.prefsrc,
      scope: r.scope === 'link' ? ('link' as const) : undefined,
      metric: r.metric || undefined,
      onlink: r.flags?.includes('onlink') || undefined,
    }));
}
