// Lookup layers in front of a policy's choice: persistence (a map of remembered WANs, refreshed per connection) and learned per-destination choices.
import { hex } from '../../core/config/validators.ts';
import type { ChainSpec, SetSpec } from '../../core/kernel/desired.ts';
import { chainFor, keepChain } from './names.ts';

export interface LiveWan { id: number; mark: number }
export interface Layer { rules: string[]; chains: ChainSpec[]; sets: SetSpec[] }

/** nft's key expression for a persistence key. */
export function persistKey(key: 'src' | 'src-dst'): { expr: string; type: string } {
  return key === 'src' ? { expr: 'ip saddr', type: 'ipv4_addr' } : { expr: 'ip saddr . ip daddr', type: 'ipv4_addr . ipv4_addr' };
}

/** Clears mwan's bits of the packet mark, which the lookups below use as scratch (the marker restores it from the connection mark). */
const clearScratch = (mask: number) => `meta mark set meta mark & ${hex(~mask >>> 0)}`;

/**
 * Persistence: a map `key → mark` with a timeout, filled from the packet path. A hit on a WAN that can take
 * traffic refreshes the entry and marks the connection for it (the `keep_` chain); an entry for a WAN that cannot
 * is deleted, the `base` rules choose anew, and the choice is remembered. The map is filled at run time, so it
 * keeps its contents across applies and daemon restarts.
 */
export function persistenceLayer(o: { map: string; key: 'src' | 'src-dst'; timeoutSeconds: number; mask: number; live: LiveWan[]; base: string[] }): Layer {
  const { expr, type } = persistKey(o.key);
  const rules = [clearScratch(o.mask), `meta mark set ${expr} map @${o.map}`];
  if (o.live.length) rules.push(`meta mark & ${hex(o.mask)} vmap { ${o.live.map((w) => `${hex(w.mark)} : goto ${keepChain(o.map, w.id)}`).join(', ')} }`);
  rules.push(`delete @${o.map} { ${expr} : 0x0 }`, ...o.base, `ct mark & ${hex(o.mask)} != 0 update @${o.map} { ${expr} : ct mark & ${hex(o.mask)} }`);
  const chains = o.live.map((w) => ({ name: keepChain(o.map, w.id), rules: [`update @${o.map} { ${expr} : ${hex(w.mark)} }`, `jump ${chainFor(w.id)}`] }));
  return { rules, chains, sets: [{ name: o.map, kind: 'map', type: `${type} : mark`, flags: ['dynamic', 'timeout'], timeout: `${o.timeoutSeconds}s` }] };
}

/** The netmask of a prefix length, e.g. 24 → 255.255.255.0. */
export function netmask(prefixLength: number): string {
  const bits = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/**
 * Learned choices: a map `destination network → mark` that the daemon writes (with per-element timeouts). A hit
 * on a WAN that can take traffic marks the connection for it; otherwise the `base` rules decide.
 */
export function learnedLayer(o: { map: string; prefixLength: number; mask: number; live: LiveWan[]; base: string[] }): Layer {
  const rules = [clearScratch(o.mask), `meta mark set ip daddr & ${netmask(o.prefixLength)} map @${o.map}`];
  if (o.live.length) rules.push(`meta mark & ${hex(o.mask)} vmap { ${o.live.map((w) => `${hex(w.mark)} : goto ${chainFor(w.id)}`).join(', ')} }`);
  rules.push(...o.base);
  return { rules, chains: [], sets: [{ name: o.map, kind: 'map', type: 'ipv4_addr : mark', flags: ['timeout'] }] };
}
