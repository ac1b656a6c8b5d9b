// Plans kernel settings (/proc/sys): write what differs, remember the value found first, restore it when no longer wanted.
import { MwanError } from '../errors.ts';
import type { SysctlSpec } from './desired.ts';

const KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.@-]+)+$/;

export interface SysctlWrite { key: string; value: string }
export interface SysctlPlan { writes: SysctlWrite[]; originals: Record<string, string> }

export function validateSysctlKey(key: string): string {
  if (!KEY.test(key) || key.split('/').includes('..')) throw new MwanError('MWAN_INVALID_NAME', `invalid sysctl key '${key}': expected a path under /proc/sys such as net/ipv4/conf/wan1/rp_filter`);
  return key;
}

/**
 * `current` holds the kernel's values for every key in `desired` and `originals`. Returns the writes to make
 * and the originals to keep: a key's first-seen value is kept until mwan stops wanting the key, then restored.
 */
export function planSysctls(desired: SysctlSpec[], current: Record<string, string | null>, originals: Record<string, string>): SysctlPlan {
  const writes: SysctlWrite[] = [];
  const kept: Record<string, string> = {};
  const wanted = new Map(desired.map((s) => [validateSysctlKey(s.key), s.value]));
  for (const [key, value] of wanted) {
    const now = current[key];
    if (now === null || now === undefined) continue; // the device is gone; nothing to set or restore
    kept[key] = originals[key] ?? now;
    if (now !== value) writes.push({ key, value });
  }
  for (const [key, original] of Object.entries(originals)) {
    if (wanted.has(key)) continue;
    const now = current[key];
    if (now !== null && now !== undefined && now !== original) writes.push({ key, value: original });
  }
  return { writes, originals: kept };
}
