// ipv6.mode prefixes (issue 13): which LANs advertise, and the /64 each LAN gets from each WAN (its subnet of the delegated prefix, else lanPrefix).
import type { MwanConfig } from './schema.ts';
import { formatGroups, prefixGroups6 } from './ipv6-groups.ts';

/** A LAN that advertises the WANs' prefixes: its device and, when set, its subnet index (`ipv6.lan[].subnet`). */
export interface AdvertisedLan {
  device: string;
  subnet?: number;
}

/** One LAN's /64 out of one WAN. */
export interface LanPrefix6 {
  device: string;
  prefix: string;
}

/** The LANs that get RAs: `ipv6.lan`'s entries, else every `lan[]` device (without a subnet). */
export function advertisedLans(config: MwanConfig): AdvertisedLan[] {
  const listed = config.ipv6?.lan ?? [];
  if (listed.length)
    return listed.map((l) => (l.subnet === undefined ? { device: l.device } : { device: l.device, subnet: l.subnet }));
  return config.lan.map((l) => ({ device: l.device }));
}

/** How many /64s a prefix holds (Infinity past 2^52: more than any subnet index). */
export function slash64Count(length: number): number {
  return length > 64 ? 0 : 64 - length > 52 ? Number.POSITIVE_INFINITY : 2 ** (64 - length);
}

/** The /64 number `n` of `prefix` (2001:db8:1:100::/56, 1 → 2001:db8:1:101::/64); undefined when it holds no such /64. */
export function nthSlash64(prefix: string, n: number): string | undefined {
  const p = prefixGroups6(prefix);
  if ('problem' in p || !Number.isInteger(n) || n < 0 || n >= slash64Count(p.length)) return undefined;
  // The upper 64 bits as a bigint, plus n (the prefix has no bits set past its length, so this only fills them).
  const upper = p.groups.slice(0, 4).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) + BigInt(n);
  const groups = [0, 1, 2, 3].map((i) => Number((upper >> BigInt(16 * (3 - i))) & 0xffffn));
  return `${formatGroups([...groups, 0, 0, 0, 0])}/64`;
}

/**
 * The /64 each advertised LAN gets from a WAN: a LAN with a subnet, that /64 of the WAN's delegated prefix (none
 * while the delegated prefix is unknown or too long to hold it); a LAN without, the WAN's lanPrefix. A /64 a LAN
 * before it already has is not given twice (the configuration check refuses that when the prefixes are static).
 */
export function lanPrefixes6(
  config: MwanConfig,
  wan: { ipv6?: { delegated?: string; lanPrefix?: string } },
): LanPrefix6[] {
  const out: LanPrefix6[] = [];
  for (const lan of advertisedLans(config)) {
    const prefix =
      lan.subnet === undefined
        ? wan.ipv6?.lanPrefix
        : wan.ipv6?.delegated === undefined
          ? undefined
          : nthSlash64(wan.ipv6.delegated, lan.subnet);
    if (prefix && !out.some((o) => o.prefix === prefix)) out.push({ device: lan.device, prefix });
  }
  return out;
}
