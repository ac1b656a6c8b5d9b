// Plans kernel settings (/proc/sys): write what differs, remember the value found first, restore it when no longer wanted.
import { MwanError } from '../errors.ts';
import type { SysctlSpec } from './desired.ts';

const KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.@-]+)+$/;

export interface SysctlWrite {
  key: string;
  value: string;
}
export interface SysctlPlan {
  writes: SysctlWrite[];
  originals: Record<string, string>;
}

/**
 * The sysctls mwan itself sets (the built-in plugins' `.sysctl(...)`): the only ones it ever restores, whatever the
 * state file says. Each takes a small non-negative integer.
 */
const MANAGED: readonly RegExp[] = [
  /^net\/ipv4\/ip_forward$/,
  /^net\/ipv4\/fib_multipath_hash_policy$/,
  /^net\/ipv4\/conf\/(?!all\/|default\/)[A-Za-z0-9_.@-]{1,15}\/rp_filter$/,
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
    return `sysctl ${key} is not one mwan sets (ip_forward, fib_multipath_hash_policy, a WAN's rp_filter, IPv6 forwarding, a WAN's accept_ra)`;
  if (typeof value !== 'string' || !MANAGED_VALUE.test(value))
    return `sysctl ${key} has an invalid saved value ${JSON.stringify(value)}`;
  return null;
}

export function validateSysctlKey(key: string): string {
  if (!KEY.test(key) || key.split('/').includes('..'))
    throw new MwanError(
      'MWAN_INVALID_NAME',
      `invalid sysctl key '${key}': expected a path under /proc/sys such as net/ipv4/conf/wan1/rp_filter`,
    );
  return key;
}

/**
 * `current` holds the kernel's values for every key in `desired` and `originals`. Returns the writes to make
 * and the originals to keep: a key's first-seen value is kept until mwan stops wanting the key, then restored.
 */
export function planSysctls(
  desired: SysctlSpec[],
  current: Record<string, string | null>,
  originals: Record<string, string>,
): SysctlPlan {
  const writes: SysctlWrite[] = [];
  const kept: Record<string, string> = {};
  for (const s of desired) {
    if (!isManagedSysctl(validateSysctlKey(s.key)))
      throw new MwanError(
        'MWAN_INVALID_NAME',
        `sysctl ${s.key}${s.owner ? ` (from plugin ${s.owner})` : ''} is not one mwan may set: only ip_forward, fib_multipath_hash_policy (IPv4, IPv6), a WAN's rp_filter, IPv6 forwarding and a WAN's accept_ra are saved and restored`,
      );
  }
  const wanted = new Map(desired.map((s) => [s.key, s.value]));
  for (const [key, value] of wanted) {
    const now = current[key];
    if (now === null || now === undefined) continue; // the device is gone; nothing to set or restore
    kept[key] = originals[key] ?? now;
    if (now !== value) writes.push({ key, value });
  }
  for (const [key, original] of Object.entries(originals)) {
    if (wanted.has(key) || unmanagedOriginal(key, original)) continue; // never restore what mwan does not set
    const now = current[key];
    if (now !== null && now !== undefined && now !== original) writes.push({ key, value: original });
  }
  return { writes, originals: kept };
}
