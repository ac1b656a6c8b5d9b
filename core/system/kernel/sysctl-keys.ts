// Which /proc/sys keys mwan may write and restore: a valid key for any write, and the few sysctls it manages for what it saves.
import { MwanError } from '../../errors.ts';

const KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.@-]+)+$/;

/**
 * The sysctls mwan itself sets (the built-in plugins' `.sysctl(...)`): the only ones it ever restores, whatever the
 * state file says. Each takes a small non-negative integer.
 */
const MANAGED: readonly RegExp[] = [
  /^net\/ipv4\/ip_forward$/,
  /^net\/ipv4\/fib_multipath_hash_policy$/,
  /^net\/ipv4\/conf\/(?!all\/|default\/)[A-Za-z0-9_.@-]{1,15}\/rp_filter$/,
  // The ha plugin: 0 while an HA pair runs (a mid-stream packet must not create an entry before conntrackd's commit).
  /^net\/netfilter\/nf_conntrack_tcp_loose$/,
  /^net\/ipv6\/conf\/all\/forwarding$/,
  /^net\/ipv6\/fib_multipath_hash_policy$/,
  /^net\/ipv6\/conf\/(?!all\/|default\/)[A-Za-z0-9_.@-]{1,15}\/accept_ra$/,
];
const MANAGED_VALUE = /^\d{1,3}$/;

/** Whether mwan manages `key` (and so may save and restore it). */
export function isManagedSysctl(key: string): boolean {
  return MANAGED.some((re) => re.test(key)) && !key.split('/').includes('..');
}

/** Why a remembered original may not be restored, or null when it may. */
export function unmanagedOriginal(key: string, value: unknown): string | null {
  if (!isManagedSysctl(key))
    return `sysctl ${key} is not one mwan sets (ip_forward, fib_multipath_hash_policy, a WAN's rp_filter, nf_conntrack_tcp_loose, IPv6 forwarding, a WAN's accept_ra)`;
  if (typeof value !== 'string' || !MANAGED_VALUE.test(value))
    return `sysctl ${key} has an invalid saved value ${JSON.stringify(value)}`;
  return null;
}

/** The key as given, or an MWAN_INVALID_NAME naming it: every sysctl write checks it first. */
export function validateSysctlKey(key: string): string {
  if (!KEY.test(key) || key.split('/').includes('..'))
    throw new MwanError(
      'MWAN_INVALID_NAME',
      `invalid sysctl key '${key}': expected a path under /proc/sys such as net/ipv4/conf/wan1/rp_filter`,
    );
  return key;
}
