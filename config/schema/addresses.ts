// IPv4 address classes and placement checks: special-use ranges, prefix membership, subnets and gateways.
import { intToIPv4, ipv4ToInt, isIPv4 } from './validators.ts';

/** An interface address with its prefix length, as `ip addr` shows it: 10.0.0.1/24. */
export interface AddressWithPrefix {
  address: string;
  prefixLength: number;
}

/** Ranges no host address may come from, with the words an error uses for them. */
const SPECIAL: [base: string, length: number, what: string][] = [
  ['0.0.0.0', 8, 'in 0.0.0.0/8 ("this network", not a host)'],
  ['127.0.0.0', 8, 'a loopback address (127.0.0.0/8)'],
  ['224.0.0.0', 4, 'a multicast address (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'a reserved address (240.0.0.0/4)'],
];

/** Why `addr` cannot be a unicast host address, or undefined when it can. */
export function nonUnicastReason(addr: string): string | undefined {
  if (!isIPv4(addr)) return 'not an IPv4 address';
  if (addr === '255.255.255.255') return 'the limited broadcast address';
  return SPECIAL.find(([base, length]) => inPrefix(addr, base, length))?.[2];
}

/** Whether `addr` lies in `base/length`. */
export function inPrefix(addr: string, base: string, length: number): boolean {
  const size = 2 ** (32 - length);
  return Math.floor(ipv4ToInt(addr) / size) === Math.floor(ipv4ToInt(base) / size);
}

/** `a.b.c.d/len` as an address and a length; undefined when malformed. */
export function parseAddressWithPrefix(text: string): AddressWithPrefix | undefined {
  const [address, len, extra] = text.split('/');
  if (extra !== undefined || !isIPv4(address) || !/^(0|[1-9][0-9]?)$/.test(len ?? '') || Number(len) > 32)
    return undefined;
  return { address, prefixLength: Number(len) };
}

/** `a.b.c.d/len` with 0 ≤ len ≤ 32. */
export const isIPv4Prefix = (text: string): boolean => parseAddressWithPrefix(text) !== undefined;

/** The network and broadcast addresses of a subnet that has them (prefixes up to /30), else undefined. */
export function edgesOf(a: AddressWithPrefix): { network: string; broadcast: string } | undefined {
  if (a.prefixLength > 30) return undefined;
  const size = 2 ** (32 - a.prefixLength);
  const base = Math.floor(ipv4ToInt(a.address) / size) * size;
  return { network: intToIPv4(base), broadcast: intToIPv4(base + size - 1) };
}

/** `10.0.0.1/24` → `10.0.0.0/24`, `100.64.1.6/30` → `100.64.1.4/30`. */
export function subnetOf(a: AddressWithPrefix): string {
  const size = 2 ** (32 - a.prefixLength);
  return `${intToIPv4(Math.floor(ipv4ToInt(a.address) / size) * size)}/${a.prefixLength}`;
}

/** Why `addr` cannot be a host inside the subnet of `a` (outside it, or its network or broadcast address). */
export function hostInSubnetProblem(addr: string, a: AddressWithPrefix): string | undefined {
  if (!inPrefix(addr, a.address, a.prefixLength)) return `outside ${subnetOf(a)}`;
  const edges = edgesOf(a);
  if (edges?.network === addr) return `the network address of ${subnetOf(a)}`;
  if (edges?.broadcast === addr) return `the broadcast address of ${subnetOf(a)}`;
  return undefined;
}

/**
 * Why `gateway` cannot be the next hop of a WAN with address `own` (undefined when it can): a unicast address other
 * than the WAN's own, inside the WAN's subnet; a point-to-point link or a /32 address reaches any unicast peer on-link.
 */
export function gatewayProblem(gateway: string, own?: AddressWithPrefix, pointToPoint = false): string | undefined {
  const special = nonUnicastReason(gateway);
  if (special) return `${gateway} is ${special}`;
  if (!own) return undefined;
  if (gateway === own.address) return `${gateway} is the WAN's own address`;
  if (pointToPoint || own.prefixLength === 32) return undefined;
  const problem = hostInSubnetProblem(gateway, own);
  return problem ? `${gateway} is ${problem}, the WAN's network: a gateway is a host of that network` : undefined;
}
