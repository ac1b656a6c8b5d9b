// Reads mwan's own IPv6 rules and routes (`ip -6 -N -json`) into the specs plugins write, both made canonical.
//
// IPv6 differs from IPv4 in what `ip` reports, and these functions smooth it out so a desired spec and the kernel's
// row compare equal: every route has a metric (1024, IP6_RT_PRIO_USER, when none was given: read as "none"), no
// scope, unreachable/blackhole routes name `dev lo`, and addresses are printed in RFC 5952 form (desired specs may be
// written in any spelling). Ownership is as for IPv4: mwan's route protocol, its priority and table ranges.
import type { Nexthop, RouteSpec, RuleSpec } from '../../reconcile/desired.ts';
import { routeTypeOf, tableNumber } from './ip-names.ts';
import { canonicalIPv6, canonicalPrefix6 } from '../ipv6-text.ts';
import type { Runner } from '../process/runner.ts';
import { type JsonRoute, type JsonRule, type Ownership, protocolMatches } from './ip-read.ts';

/** The metric the kernel gives an IPv6 route added without one. */
export const DEFAULT_METRIC6 = 1024;

const prefixOf = (addr: string | undefined, len: number | undefined): string | undefined =>
  !addr || addr === 'all' ? undefined : canonicalPrefix6(len === undefined ? addr : `${addr}/${len}`);

/** Rules read with `ip -6 -N -json rule show`: only mwan's (its protocol, within its priority range). */
export function parseRules6(json: string, own: Ownership): RuleSpec[] {
  return (JSON.parse(json || '[]') as JsonRule[])
    .filter(
      (r) =>
        protocolMatches(r.protocol, own.routeProtocol) &&
        r.priority >= own.priorityRange[0] &&
        r.priority <= own.priorityRange[1],
    )
    .map((r) =>
      canonicalRule6({
        priority: r.priority,
        from: prefixOf(r.src, r.srclen),
        to: prefixOf(r.dst, r.dstlen),
        fwmark: r.fwmark !== undefined ? Number(r.fwmark) : undefined,
        // `ip -json` leaves out a full 0xffffffff mask
        fwmask: r.fwmask !== undefined ? Number(r.fwmask) : r.fwmark !== undefined ? 0xffffffff : undefined,
        iif: r.iif,
        oif: r.oif,
        table: tableNumber(r.table ?? 'main'),
        suppressPrefixLength: r.suppress_prefixlen,
      }),
    );
}

/** Routes read with `ip -6 -N -json route show table all`: only those in mwan's tables with mwan's protocol. */
export function parseRoutes6(json: string, own: Ownership): RouteSpec[] {
  return (JSON.parse(json || '[]') as JsonRoute[])
    .filter((r) => protocolMatches(r.protocol, own.routeProtocol) && r.table !== undefined)
    .filter((r) => {
      const t = tableNumber(r.table!);
      return t >= own.tableRange[0] && t <= own.tableRange[1];
    })
    .map((r) => {
      const type = routeTypeOf(r.type);
      return canonicalRoute6({
        table: tableNumber(r.table!),
        ...(type === 'unreachable' || type === 'blackhole' ? { type } : {}),
        dst: r.dst,
        via: r.gateway,
        dev: r.dev,
        nexthops: r.nexthops?.map((n) => ({
          via: n.gateway,
          dev: n.dev,
          weight: n.weight ?? 1,
          onlink: n.flags?.includes('onlink') || undefined,
        })),
        src: r.prefsrc,
        metric: r.metric,
        onlink: r.flags?.includes('onlink') || undefined,
      });
    });
}

const drop = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** A rule as the kernel reports it: addresses canonical, host lengths left out; absent fields absent. */
export function canonicalRule6(r: RuleSpec): RuleSpec {
  return drop({
    ...r,
    family: 'ipv6' as const,
    from: r.from === undefined ? undefined : canonicalPrefix6(r.from),
    to: r.to === undefined ? undefined : canonicalPrefix6(r.to),
  });
}

const nexthop6 = (n: Nexthop): Nexthop =>
  drop({ ...n, via: n.via === undefined ? undefined : canonicalIPv6(n.via), weight: n.weight ?? 1 });

/**
 * A route as the kernel reports it: addresses canonical, the default metric as none, no scope, no device on an
 * unreachable or blackhole route, a single nexthop as a plain path. `owner` is kept (it is not the kernel's).
 */
export function canonicalRoute6(r: RouteSpec): RouteSpec {
  const single = r.nexthops?.length === 1 ? r.nexthops[0] : undefined;
  const typed = r.type !== undefined;
  return drop({
    ...r,
    family: 'ipv6' as const,
    dst: r.dst === 'default' || r.dst === '::/0' ? 'default' : canonicalPrefix6(r.dst),
    via: typed ? undefined : (single?.via ?? r.via) === undefined ? undefined : canonicalIPv6((single?.via ?? r.via)!),
    dev: typed ? undefined : (single?.dev ?? r.dev),
    onlink: typed ? undefined : (single ? single.onlink : r.onlink) || undefined,
    nexthops: typed || single || !r.nexthops ? undefined : r.nexthops.map(nexthop6),
    src: r.src === undefined ? undefined : canonicalIPv6(r.src),
    scope: undefined,
    metric: r.metric === DEFAULT_METRIC6 || !r.metric ? undefined : r.metric,
  });
}

/** mwan's IPv6 rules and routes, read in one `ip -6 -json -N -batch` run (`-N`: tables and protocols as numbers). */
export async function readOwnIp6(run: Runner, own: Ownership): Promise<{ rules: RuleSpec[]; routes: RouteSpec[] }> {
  const { stdout } = await run(['ip', '-6', '-json', '-N', '-batch', '-'], {
    input: 'rule show\nroute show table all\n',
  });
  const outputs = stdout.split('\n').filter((line) => line.trim() !== '');
  if (outputs.length !== 2) throw new Error(`ip -6 -batch returned ${outputs.length} outputs for 2 commands`);
  return { rules: parseRules6(outputs[0], own), routes: parseRoutes6(outputs[1], own) };
}
