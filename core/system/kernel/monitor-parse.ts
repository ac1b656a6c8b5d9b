// Parses `ip -N monitor` output lines: link lines become hints (name, admin state, carrier); mwan's own rules and routes become own-state changes.
import type { KernelOwnership, LinkHint, OwnStateChange } from './adapter.ts';
import type { Ownership } from './ip-read.ts';

// e.g. `3: wan1@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 ...` or `Deleted 3: wan1: <...>`
const LINK_LINE = /^(Deleted )?\d+: ([^:@\s]+)(?:@[^:\s]+)?: <([^>]*)>/;
// e.g. `1000:\tfrom all fwmark 0x100/0xff00 lookup 201 proto 249` (a tab after the priority, unlike link lines)
const RULE_LINE = /^(Deleted )?(\d+):\t(.*)$/;
const FIELD = (name: string) => new RegExp(`(?:^|\\s)${name} (\\d+)(?:\\s|$)`);
const PROTO = FIELD('proto');
const TABLE = FIELD('table');

export function parseMonitorLine(line: string): LinkHint | undefined {
  const m = LINK_LINE.exec(line);
  if (!m) return undefined;
  const flags = m[3].split(',');
  return { name: m[2], adminUp: flags.includes('UP'), carrier: flags.includes('LOWER_UP'), deleted: Boolean(m[1]) };
}

const inRange = (n: number, [lo, hi]: [number, number]) => n >= lo && n <= hi;

/**
 * An `ip -N monitor rule route` line about one of mwan's own rules (priority in its range, its protocol) or routes
 * (a table in its range, its protocol); undefined for anything else. Numeric output (-N) keeps named tables and
 * protocols in rt_tables / rt_protos from changing what is recognised.
 */
export function parseOwnIpLine(line: string, own: Ownership | KernelOwnership): OwnStateChange | undefined {
  const deleted = line.startsWith('Deleted ');
  const rule = RULE_LINE.exec(line);
  if (rule) {
    const priority = Number(rule[2]);
    const text = rule[3].trim();
    if (!inRange(priority, own.priorityRange) || Number(PROTO.exec(text)?.[1]) !== own.routeProtocol) return undefined;
    return {
      kind: 'rule',
      deleted,
      what: `ip rule ${priority} ${deleted ? 'deleted' : 'changed'} (${text.replace(PROTO, ' ').trim()})`,
    };
  }
  if (LINK_LINE.test(line) || line.startsWith(' ')) return undefined;
  const body = (deleted ? line.slice('Deleted '.length) : line).trim();
  const table = Number(TABLE.exec(body)?.[1]);
  if (
    !Number.isInteger(table) ||
    !inRange(table, own.tableRange) ||
    Number(PROTO.exec(body)?.[1]) !== own.routeProtocol
  )
    return undefined;
  return { kind: 'route', deleted, what: `ip route ${deleted ? 'deleted' : 'changed'} (${body})` };
}
