// Parses `ip monitor` output lines: link lines become hints (name, admin state, carrier); anything else is a plain change.
import type { LinkHint } from './adapter.ts';

// e.g. `3: wan1@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 ...` or `Deleted 3: wan1: <...>`
const LINK_LINE = /^(Deleted )?\d+: ([^:@\s]+)(?:@[^:\s]+)?: <([^>]*)>/;

export function parseMonitorLine(line: string): LinkHint | undefined {
  const m = LINK_LINE.exec(line);
  if (!m) return undefined;
  const flags = m[3].split(',');
  return { name: m[2], adminUp: flags.includes('UP'), carrier: flags.includes('LOWER_UP'), deleted: Boolean(m[1]) };
}
