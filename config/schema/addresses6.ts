// IPv6 address and prefix checks for the configuration (issue 13): parsing `addr/len`, prefix membership, address classes.
import net from 'node:net';
import { canonicalIPv6, ipv6Hex } from '../../core/system/ipv6-text.ts';
import { isIPv4 } from './validators.ts';

export interface Prefix6 {
  address: string;
  length: number;
}

const big = (addr: string): bigint => BigInt(`0x${ipv6Hex(addr)}`);

/** `addr/len` (0 ≤ len ≤ 128) with the address canonical; undefined when malformed. */
export function parsePrefix6(text: string): Prefix6 | undefined {
  const [address, len, extra] = text.split('/');
  if (extra !== undefined || !net.isIPv6(address) || !/^(0|[1-9][0-9]{0,2})$/.test(len ?? '') || Number(len) > 128)
    return undefined;
  return { address: canonicalIPv6(address), length: Number(len) };
}

/** Whether `addr` lies in `prefix`. */
export function inPrefix6(addr: string, prefix: Prefix6): boolean {
  const shift = BigInt(128 - prefix.length);
  return big(addr) >> shift === big(prefix.address) >> shift;
}

/** The prefix with its host bits cleared, as text: `2001:db8:1:100::5/56` → `2001:db8:1:100::/56`. */
export function network6(prefix: Prefix6): string {
  const shift = BigInt(128 - prefix.length);
  const value = (big(prefix.address) >> shift) << shift;
  const hex = value.toString(16).padStart(32, '0');
  return `${canonicalIPv6(hex.match(/.{4}/g)!.join(':'))}/${prefix.length}`;
}

/** Whether `prefix` has host bits set (`2001:db8::1/64`), which a prefix field must not have. */
export const hasHostBits6 = (p: Prefix6): boolean => network6(p) !== `${p.address}/${p.length}`;

/** Why `addr` cannot be an IPv6 address in a field of that name, or undefined; names a family mix-up. */
export function ipv6Problem(addr: string): string | undefined {
  if (isIPv4(addr)) return `${addr} is an IPv4 address: this field takes an IPv6 address`;
  if (!net.isIPv6(addr) || addr.includes('%')) return 'expected an IPv6 address such as 2001:db8:1::2';
  return undefined;
}

/** Why `addr` cannot be a unicast host address (unspecified, loopback, multicast), or undefined. */
export function nonUnicast6(addr: string): string | undefined {
  const a = canonicalIPv6(addr);
  if (a === '::') return 'the unspecified address';
  if (a === '::1') return 'the loopback address';
  if (a.startsWith('ff')) return 'a multicast address (ff00::/8)';
  return undefined;
}

export const isLinkLocal6 = (addr: string): boolean => inPrefix6(addr, { address: 'fe80::', length: 10 });
