// `mwanctl events`: filters event lines by name glob (--type) and renders one readable line per event (--text).
import type { MwanEvents } from '../../core/events.ts';

/** One line of the daemon's event stream. */
export interface EventLine {
  event: string;
  payload: unknown;
  at?: string;
}

/** `wan.*` → /^wan\.[^]*$/: `*` matches any run of characters, `?` one; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** A predicate for event names: true for every name without globs, else when any glob matches. */
export function eventFilter(globs: readonly string[] = []): (name: string) => boolean {
  if (!globs.length) return () => true;
  const patterns = globs.map(globToRegExp);
  return (name) => patterns.some((p) => p.test(name));
}

const ms = (n: number | null | undefined) => (n === null || n === undefined ? '-' : `${Math.round(n)} ms`);
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '-' : `${Math.round(n)}%`);
const figures = (f: { rttMs?: number | null; lossPct?: number | null }) =>
  f.rttMs !== undefined || f.lossPct !== undefined ? ` (rtt ${ms(f.rttMs)}, loss ${pct(f.lossPct)})` : '';
const duration = (n: number) =>
  n < 120000
    ? `${Math.round(n / 1000)} s`
    : n < 7200000
      ? `${Math.round(n / 60000)} min`
      : `${Math.round(n / 3600000)} h`;

/** The WAN an event is about: `isp1` for its IPv4 side (as before), `isp1 IPv6` for its IPv6 side. */
const fam = (p: { wan: string; family?: 'ipv4' | 'ipv6' }) => (p.family === 'ipv6' ? `${p.wan} IPv6` : p.wan);

type Describe = { [K in keyof MwanEvents]: (p: MwanEvents[K]) => string };

/** The human sentence for each event of the map; an event a plugin adds falls back to its JSON payload. */
const DESCRIBE: Describe = {
  'link.up': (p) => `${p.device} link up`,
  'link.down': (p) => `${p.device} link down`,
  'addr.changed': (p) => `${p.device} addresses ${p.addresses.join(', ') || 'none'}`,
  'gateway.changed': (p) => `${p.device} gateway ${p.gateway ?? 'none'}`,
  'wan.online': (p) =>
    `${fam(p)} online: ${p.reason}${figures(p)}${p.downForMs !== undefined ? `, after ${duration(p.downForMs)} out` : ''}`,
  'wan.degraded': (p) => `${fam(p)} degraded: ${p.reason}${figures(p)}`,
  'wan.offline': (p) => `${fam(p)} offline: ${p.reason}${figures(p)}`,
  'wan.longdown': (p) =>
    `${fam(p)} down for long: ${p.reason}${p.downForMs !== undefined ? ` (${duration(p.downForMs)})` : ''}`,
  'probe.result': (p) =>
    `${fam(p)} probe round ${p.ok ? 'ok' : 'failed'}: ${p.targets.map((t) => `${t.method} ${t.target} ${t.ok === null ? 'pending' : t.ok ? ms(t.rttMs) : 'no answer'}`).join(', ')}${figures(p)}`,
  'wan.admin': (p) => `${p.wan} ${p.enabled ? 'put back in service' : 'taken out of service'} by an administrator`,
  'config.loaded': (p) => `configuration ${p.source} loaded (WANs ${p.wans.join(', ')})`,
  'reconcile.requested': (p) => `reconcile requested: ${p.reason}`,
  'reconcile.done': (p) =>
    `reconciled (${p.reason}): ${p.changed ? `applied ${p.nftLines} nft, ${p.ipLines} ip lines, ${p.sysctls} sysctls` : 'no change'} in ${Math.round(p.ms)} ms`,
  'reconcile.failed': (p) => `reconcile FAILED (${p.reason}): ${p.error}`,
  'policy.weights': (p) =>
    `policy ${p.policy} weights ${
      p.weights
        ? Object.entries(p.weights)
            .map(([w, n]) => `${w} ${n}`)
            .join(', ')
        : 'back to configured'
    }: ${p.reason}`,
  'hook.ifupdown': (p) => `ifupdown hook: ${p.iface} ${p.phase}`,
  'wan.traffic': (p) =>
    `${p.wan} traffic: in ${p.rxBytes} bytes (${p.rxPackets} packets), out ${p.txBytes} bytes (${p.txPackets} packets), ${p.newConnections} new connections`,
  'wan.quota': (p) =>
    `${p.wan} quota ${p.state}${p.threshold !== null ? ` (${p.threshold}% reached)` : ''}: ${p.usedBytes} of ${p.limitBytes} bytes (${p.percent.toFixed(1)}%)`,
  'ha.notify': (p) => `keepalived: this node is ${p.role}`,
  'ha.role': (p) => `HA node ${p.node} is ${p.role}${p.previous ? ` (was ${p.previous})` : ''}; peer ${p.peer}`,
  'ha.peer': (p) =>
    p.config === 'unreachable'
      ? `HA node ${p.node}: peer ${p.peer} does not answer on the peer channel`
      : `HA node ${p.node}: configuration ${p.config === 'matches' ? 'matches' : `differs from`} peer ${p.peer}${p.sections.length ? ` (${p.sections.join(', ')})` : ''}`,
  'ha.peerUpnp': (p) => `HA: ${p.leases.length} UPnP lease(s) copied from peer ${p.peer}`,
  'upnp.leases': (p) => `UPnP: ${p.leases.length} lease(s) accepted`,
};

/** `2026-12-03T07:10:08.123Z wan.offline  isp1 offline: …` (the time as the daemon stamped it). */
export function textLine(line: EventLine): string {
  const describe = (DESCRIBE as Record<string, ((p: unknown) => string) | undefined>)[line.event];
  let text: string;
  try {
    text = describe ? describe(line.payload) : JSON.stringify(line.payload);
  } catch {
    text = JSON.stringify(line.payload); // a payload not of the expected shape (another version's daemon)
  }
  return `${line.at ?? '-'} ${line.event.padEnd(19)} ${text}`;
}
