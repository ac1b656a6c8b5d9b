// Canonical text for routes and rules, shared by the renderer (desired state) and the reader (`ip -json` output).
import { hex } from '../../../config/schema/validators.ts';
import type { Nexthop, RouteSpec, RuleSpec } from '../../reconcile/desired.ts';

const stripHostLen = (dst: string): string => (dst.endsWith('/32') ? dst.slice(0, -3) : dst);

/** The identity of a route in the kernel: two routes with the same identity replace each other. */
export function routeIdentity(r: Pick<RouteSpec, 'table' | 'dst' | 'metric'>): string {
  return `${stripHostLen(r.dst)} table ${r.table}${r.metric ? ` metric ${r.metric}` : ''}`;
}

function nexthopText(n: Nexthop): string {
  return `nexthop${n.via ? ` via ${n.via}` : ''} dev ${n.dev} weight ${n.weight ?? 1}${n.onlink ? ' onlink' : ''}`;
}

/**
 * The route as `ip route` arguments, fields in a fixed order. A route with one nexthop is written
 * as a single path, as the kernel reports it.
 */
export function routeArgs(r: RouteSpec): string {
  if (r.type) return `${r.type} ${routeIdentity(r)}`; // unreachable or blackhole: only type and identity matter
  let { via, dev, onlink } = r;
  let nexthops = r.nexthops;
  if (nexthops && nexthops.length === 1) {
    ({ via, dev, onlink } = nexthops[0]);
    nexthops = undefined;
  }
  const scope = r.scope ?? (via || nexthops ? 'global' : 'link');
  const parts = [stripHostLen(r.dst)];
  if (!nexthops) {
    if (via) parts.push(`via ${via}`);
    if (dev) parts.push(`dev ${dev}`);
  }
  parts.push(`table ${r.table}`);
  if (r.metric) parts.push(`metric ${r.metric}`);
  if (scope !== 'global') parts.push(`scope ${scope}`);
  if (r.src) parts.push(`src ${r.src}`);
  if (!nexthops && onlink) parts.push('onlink');
  if (nexthops) parts.push(...nexthops.map(nexthopText));
  return parts.join(' ');
}

/** The rule as `ip rule` arguments (without `protocol`, which marks ownership). */
export function ruleArgs(r: RuleSpec): string {
  const parts = [`priority ${r.priority}`];
  if (r.from) parts.push(`from ${stripHostLen(r.from)}`);
  if (r.to) parts.push(`to ${stripHostLen(r.to)}`);
  if (r.fwmark !== undefined) parts.push(`fwmark ${hex(r.fwmark)}${r.fwmask !== undefined ? `/${hex(r.fwmask)}` : ''}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  if (r.oif) parts.push(`oif ${r.oif}`);
  parts.push(`lookup ${r.table}`);
  if (r.suppressPrefixLength !== undefined) parts.push(`suppress_prefixlength ${r.suppressPrefixLength}`);
  return parts.join(' ');
}
