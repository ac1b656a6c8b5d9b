// Diffs desired routes and rules against mwan's current ones and renders the `ip -batch` script that converges them.
import { familyOf, type IpFamily, type RouteSpec, type RuleSpec } from './desired.ts';
import { routeArgs, routeIdentity, ruleArgs } from '../system/kernel/ip-canonical.ts';
import { canonicalRoute6, canonicalRule6 } from '../system/kernel/ip6-read.ts';

type Specs = { routes: RouteSpec[]; rules: RuleSpec[] };

/**
 * Replaces routes whose text differs, adds missing rules, then removes rules and routes mwan no longer wants.
 * Everything added carries `proto <routeProtocol>`, which is how mwan recognises its own state.
 */
export function diffIp(desired: Specs, current: Specs, routeProtocol: number): string[] {
  const lines: string[] = [];
  const currentRoutes = new Map(current.routes.map((r) => [routeIdentity(r), routeArgs(r)]));
  const wantedRoutes = new Map<string, string>();
  for (const r of desired.routes) wantedRoutes.set(routeIdentity(r), routeArgs(r));
  for (const [id, args] of wantedRoutes) {
    if (currentRoutes.get(id) !== args) lines.push(`route replace ${withProto(args, routeProtocol)}`);
  }
  const currentRules = new Set(current.rules.map(ruleArgs));
  const wantedRules = new Set(desired.rules.map(ruleArgs));
  for (const args of wantedRules) if (!currentRules.has(args)) lines.push(`rule add ${args} protocol ${routeProtocol}`);
  for (const args of currentRules) if (!wantedRules.has(args)) lines.push(`rule del ${args} protocol ${routeProtocol}`);
  for (const [id] of currentRoutes) if (!wantedRoutes.has(id)) lines.push(`route del ${id} proto ${routeProtocol}`);
  return lines;
}

/** Inserts `proto N` before any `nexthop` clause (ip requires it there). */
function withProto(args: string, proto: number): string {
  const at = args.indexOf(' nexthop ');
  return at < 0 ? `${args} proto ${proto}` : `${args.slice(0, at)} proto ${proto}${args.slice(at)}`;
}

/** The `ip -batch` lines (IPv4) and the `ip -6 -batch` lines (IPv6) that converge both families. */
export interface IpPlans {
  ip: string[];
  ip6: string[];
}

/** One family's routes and rules; IPv6 ones in the canonical form `ip -6` reads back (RFC 5952, no default metric). */
export function specsOf(specs: Specs, family: IpFamily): Specs {
  const routes = specs.routes.filter((r) => familyOf(r) === family);
  const rules = specs.rules.filter((r) => familyOf(r) === family);
  return family === 'ipv4'
    ? { routes, rules }
    : { routes: routes.map(canonicalRoute6), rules: rules.map(canonicalRule6) };
}

/** diffIp per family: IPv4 specs to `ip -batch`, IPv6 specs to `ip -6 -batch`. */
export function diffIpFamilies(desired: Specs, current: Specs, routeProtocol: number): IpPlans {
  return {
    ip: diffIp(specsOf(desired, 'ipv4'), specsOf(current, 'ipv4'), routeProtocol),
    ip6: diffIp(specsOf(desired, 'ipv6'), specsOf(current, 'ipv6'), routeProtocol),
  };
}

/** Removes every route and rule given, both families (used by `stop`). */
export function removalIpFamilies(current: Specs, routeProtocol: number): IpPlans {
  return diffIpFamilies({ routes: [], rules: [] }, current, routeProtocol);
}
