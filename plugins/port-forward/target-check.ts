// Where a port forward may point: a unicast host inside a LAN network, never the router itself (config validation and the run-time check share it).
import { hostInSubnetProblem, nonUnicastReason, subnetOf, type AddressWithPrefix } from '../../plugin-api/index.ts';

/** What is known about the router and its LANs when a forward target is checked. */
export interface TargetContext {
  /** The LANs' addresses with prefixes (their subnets are the LAN networks). */
  lans: AddressWithPrefix[];
  /** Every address of the router itself (LAN and WAN). */
  own: string[];
}

/**
 * Why `addr` cannot be a port forward's target (undefined when it can): a unicast host, never the router itself,
 * inside a LAN network (any network's edges excluded) unless `allowOutsideLan`. With no LAN network known, only the
 * address class and the router's addresses are checked.
 */
export function forwardTargetProblem(addr: string, where: TargetContext, allowOutsideLan = false): string | undefined {
  const special = nonUnicastReason(addr);
  if (special) return `${addr} is ${special}`;
  if (where.own.includes(addr)) return `${addr} is an address of the router itself`;
  const problems = where.lans.map((lan) => hostInSubnetProblem(addr, lan));
  const edge = problems.find((p) => p !== undefined && !p.startsWith('outside'));
  if (edge) return `${addr} is ${edge}`;
  if (allowOutsideLan || where.lans.length === 0 || problems.some((p) => p === undefined)) return undefined;
  const networks = [...new Set(where.lans.map(subnetOf))].join(', ');
  return `${addr} is outside every LAN network (${networks}); set allowOutsideLan: true on the forward to forward there anyway`;
}
