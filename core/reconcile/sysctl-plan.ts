// Plans kernel settings (/proc/sys): write what differs, remember the value found first, restore it when no longer wanted.
import { MwanError } from '../errors.ts';
import type { SysctlSpec } from './desired.ts';
import { isManagedSysctl, unmanagedOriginal, validateSysctlKey } from '../system/kernel/sysctl-keys.ts';

export interface SysctlWrite {
  key: string;
  value: string;
}
export interface SysctlPlan {
  writes: SysctlWrite[];
  originals: Record<string, string>;
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
        `sysctl ${s.key}${s.owner ? ` (from plugin ${s.owner})` : ''} is not one mwan may set: only ip_forward, fib_multipath_hash_policy (IPv4, IPv6), a WAN's rp_filter, nf_conntrack_tcp_loose, IPv6 forwarding and a WAN's accept_ra are saved and restored`,
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
