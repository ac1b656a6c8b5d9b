// Lookup layers in front of a policy's choice: persistence (a map of remembered WANs, refreshed per connection) and learned per-destination choices.
import { type ChainSpec, hex, network6, type SetSpec } from '../../plugin-api/index.ts';
import { chainFor, type Family, keepChain } from './names.ts';

export interface LiveWan {
  id: number;
  mark: number;
}
export interface Layer {
  rules: string[];
  chains: ChainSpec[];
  sets: SetSpec[];
}

/** nft's key expression for a persistence key: IPv6's twin keys on `ipv6_addr`. */
export function persistKey(key: 'src' | 'src-dst', family: Family = 'ipv4'): { expr: string; type: string } {
  const [ip, type] = family === 'ipv6' ? ['ip6', 'ipv6_addr'] : ['ip', 'ipv4_addr'];
  return key === 'src'
    ? { expr: `${ip} saddr`, type }
    : { expr: `${ip} saddr . ${ip} daddr`, type: `${type} . ${type}` };
}

/** Clears mwan's bits of the packet mark, which the learned lookup below uses as scratch (the marker restores it from the connection mark). */
const clearScratch = (mask: number) => `meta mark set meta mark & ${hex(~mask >>> 0)}`;

/** The set of keys remembered for WAN `id` by the persistence layer `map`. */
export const persistSet = (map: string, id: number) => `${map}_${id}`;
/** The chain that records a new connection's key in the set of the WAN it was given. */
export const rememberChain = (map: string, id: number) => `remember_${map}_${id}`;

/**
 * Persistence: one set of keys per WAN, with a timeout, filled from the packet path (a set per WAN, not a
 * `key → mark` map, because reading such a map writes the whole packet mark and would clear the host's bits). A
 * key remembered for a WAN that can take traffic refreshes the entry and marks the connection for it (the `keep_`
 * chain); entries of WANs that cannot are deleted, the `base` rules choose anew, and the choice is remembered. The
 * sets are filled at run time, so they keep their contents across applies and daemon restarts.
 */
export function persistenceLayer(o: {
  map: string;
  key: 'src' | 'src-dst';
  /** Absent: IPv4. */
  family?: Family;
  timeoutSeconds: number;
  mask: number;
  live: LiveWan[];
  all: LiveWan[];
  base: string[];
}): Layer {
  const { expr, type } = persistKey(o.key, o.family);
  const live = new Set(o.live.map((w) => w.id));
  const rules = [
    ...o.live.map((w) => `${expr} @${persistSet(o.map, w.id)} goto ${keepChain(o.map, w.id)}`),
    ...o.all.filter((w) => !live.has(w.id)).map((w) => `delete @${persistSet(o.map, w.id)} { ${expr} }`),
    ...o.base,
  ];
  if (o.live.length)
    rules.push(
      `ct mark & ${hex(o.mask)} vmap { ${o.live.map((w) => `${hex(w.mark)} : goto ${rememberChain(o.map, w.id)}`).join(', ')} }`,
    );
  const chains = o.live.flatMap((w) => [
    {
      name: keepChain(o.map, w.id),
      rules: [`update @${persistSet(o.map, w.id)} { ${expr} }`, `jump ${chainFor(w.id)}`],
    },
    { name: rememberChain(o.map, w.id), rules: [`update @${persistSet(o.map, w.id)} { ${expr} }`] },
  ]);
  const sets: SetSpec[] = o.all.map((w) => ({
    name: persistSet(o.map, w.id),
    kind: 'set',
    type,
    flags: ['dynamic', 'timeout'],
    timeout: `${o.timeoutSeconds}s`,
  }));
  return { rules, chains, sets };
}

/** The netmask of a prefix length, e.g. 24 → 255.255.255.0. */
export function netmask(prefixLength: number): string {
  const bits = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/** IPv6's netmask of a prefix length as nft prints it, e.g. 48 → ffff:ffff:ffff::. */
export function netmask6(prefixLength: number): string {
  return network6({ address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', length: prefixLength }).split('/')[0];
}

/**
 * Learned choices: a map `destination network → mark` (IPv6's twin: `ipv6_addr`) that the daemon writes (with per-element timeouts). A hit
 * on a WAN that can take traffic marks the connection for it; otherwise the `base` rules decide. Known limit: the
 * lookup writes the whole packet mark, so the first packet of a new connection of such a policy loses the host's
 * mark bits (later packets keep them); a verdict map written by the daemon would lift it.
 */
export function learnedLayer(o: {
  map: string;
  prefixLength: number;
  /** Absent: IPv4 (`ipv4_addr : mark`); IPv6's twin keys on `ipv6_addr`. */
  family?: Family;
  mask: number;
  live: LiveWan[];
  base: string[];
}): Layer {
  const key = o.family === 'ipv6' ? `ip6 daddr & ${netmask6(o.prefixLength)}` : `ip daddr & ${netmask(o.prefixLength)}`;
  const rules = [clearScratch(o.mask), `meta mark set ${key} map @${o.map}`];
  if (o.live.length)
    rules.push(
      `meta mark & ${hex(o.mask)} vmap { ${o.live.map((w) => `${hex(w.mark)} : goto ${chainFor(w.id)}`).join(', ')} }`,
    );
  rules.push(...o.base);
  const type = o.family === 'ipv6' ? 'ipv6_addr : mark' : 'ipv4_addr : mark';
  return { rules, chains: [], sets: [{ name: o.map, kind: 'map', type, flags: ['timeout'] }] };
}
