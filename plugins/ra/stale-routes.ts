// Source routing for stale /64s (RFC 8978 renumbering): a host's deprecated address keeps leaving by the WAN it came from, never another (BCP 38).
import type { DesiredBuilder, WorldView } from '../../plugin-api/index.ts';
import type { StalePrefix } from './stale.ts';

/**
 * The stale /64s of each running ra plugin, by state directory (one daemon per state directory): setup keeps them
 * here, contribute reads them. route-tables' `from <delegated prefix>` rule no longer covers a renumbered prefix.
 */
const staleByStateDir = new Map<string, StalePrefix[]>();

export function setStaleRoutes(stateDir: string, stale: StalePrefix[] | undefined): void {
  if (stale?.length) staleByStateDir.set(stateDir, stale);
  else staleByStateDir.delete(stateDir);
}

/** Whether two lists hold the same /64s of the same WANs (a reconcile is needed when they differ). */
export function sameRoutes(a: StalePrefix[], b: StalePrefix[]): boolean {
  const key = (s: StalePrefix) => `${s.prefix} ${s.wan}`;
  const ka = new Set(a.map(key));
  const kb = new Set(b.map(key));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/**
 * `from <stale /64> lookup <its WAN's table>` at the first plugin priority, as route-tables' source rules, while the
 * /64 is stale and its WAN is still configured; once per /64 (it may be stale on one LAN only).
 */
export function staleSourceRules(d: DesiredBuilder, world: WorldView): void {
  if (world.config.ipv6?.mode !== 'prefixes') return;
  const stale = staleByStateDir.get(world.config.stateDir) ?? [];
  const priority = world.layout.pluginPriorities[0];
  const done = new Set<string>();
  for (const s of stale) {
    const wan = world.wans.find((w) => w.name === s.wan);
    if (!wan || done.has(s.prefix)) continue;
    done.add(s.prefix);
    d.rule({ family: 'ipv6', priority, from: s.prefix, table: wan.table });
  }
}
