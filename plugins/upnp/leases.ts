// miniupnpd's lease file (`TCP:9000:10.0.0.5:9000:1700000000:description` per line): read strictly, written clean.
import { isIPv4 } from '../../plugin-api/index.ts';
import { mappingKey, type Mapping } from './mapping.ts';

/**
 * A lease line: a mapping, its end (Unix seconds; 0: none) and description. The lease file is NOT a source of mappings
 * (a client controls the description, newlines included); mwan only takes the end and description of mappings it
 * read from miniupnpd's nft table, to write them back before miniupnpd starts.
 */
export interface LeaseLine extends Mapping {
  expires: number;
  description: string;
}

/** Most of the lease file mwan reads (a lease line is short; 256 KiB is thousands of them). */
export const MAX_LEASE_FILE = 256 * 1024;

/** Longest lease line mwan reads; longer lines are refused whole. */
export const MAX_LEASE_LINE = 1024;
/**
 * Longest line mwan writes: miniupnpd 2.3 reads its lease file with fgets() into 128 bytes, so a longer line would be
 * split and its tail read as a mapping of its own.
 */
export const MAX_WRITTEN_LINE = 120;

const PORT = /^[1-9][0-9]{0,4}$/;
const isPort = (s: string): boolean => PORT.test(s) && Number(s) <= 65535;

/**
 * One lease line, or the reason it is not one. The five fields before the description are taken from their known
 * positions and must each be exactly what miniupnpd writes; the description is the rest of the line.
 */
export function parseLeaseLine(line: string): LeaseLine | string {
  if (line.length > MAX_LEASE_LINE) return `longer than ${MAX_LEASE_LINE} characters`;
  const fields = line.split(':');
  if (fields.length < 6) return `${fields.length} fields, expected 6 (protocol:port:host:port:end:description)`;
  const [proto, eport, address, iport, expires] = fields;
  const p = proto.toLowerCase();
  if (proto !== 'TCP' && proto !== 'UDP') return `protocol ${JSON.stringify(proto.slice(0, 16))}`;
  if (!isPort(eport)) return `external port ${JSON.stringify(eport.slice(0, 16))}`;
  if (!isIPv4(address)) return `internal address ${JSON.stringify(address.slice(0, 40))}`;
  if (!isPort(iport)) return `internal port ${JSON.stringify(iport.slice(0, 16))}`;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(expires) || Number(expires) > 0xffffffff)
    return `end of lease ${JSON.stringify(expires.slice(0, 16))}`;
  return {
    proto: p as 'tcp' | 'udp',
    externalPort: Number(eport),
    address,
    port: Number(iport),
    expires: Number(expires),
    description: fields.slice(5).join(':'),
  };
}

const fullKey = (m: Mapping): string => `${mappingKey(m)}:${m.address}:${m.port}`;

/**
 * End and description per mapping (protocol, ports and host all equal) from a lease file's text. Where several lines
 * name the same mapping (a forged line may copy one), the latest end wins (0, no end, is the latest): a line can only
 * keep a mapping miniupnpd holds anyway, never shorten another client's.
 */
export function leaseDetails(text: string): Map<string, { expires: number; description: string }> {
  const details = new Map<string, { expires: number; description: string }>();
  for (const line of text.split('\n')) {
    const l = parseLeaseLine(line);
    if (typeof l === 'string') continue;
    const known = details.get(fullKey(l));
    const later = !known || (known.expires !== 0 && (l.expires === 0 || l.expires > known.expires));
    if (later) details.set(fullKey(l), { expires: l.expires, description: l.description });
  }
  return details;
}

/** A description miniupnpd reads back as it was meant: printable ASCII only (others become '?'), trimmed, bounded. */
export function sanitizeDescription(description: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return description
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, Math.max(0, max))
    .trim();
}

/**
 * The leases mwan writes before every miniupnpd start: one per mapping it validated, with the end and description the
 * lease file had for exactly that mapping (none known: no end, empty description), the description sanitised to fit
 * a written line. Leases that ended are left out (miniupnpd would skip them too).
 */
export function acceptedLeases(
  mappings: Mapping[],
  details: Map<string, { expires: number; description: string }>,
  nowSec: number,
): LeaseLine[] {
  return mappings.flatMap((m) => {
    const d = details.get(fullKey(m));
    const expires = d?.expires ?? 0;
    if (expires !== 0 && expires <= nowSec) return [];
    const room = MAX_WRITTEN_LINE - leaseHead({ ...m, expires }).length;
    return [{ ...m, expires, description: sanitizeDescription(d?.description ?? '', room) }];
  });
}

const leaseHead = (l: Omit<LeaseLine, 'description'>): string =>
  `${l.proto.toUpperCase()}:${l.externalPort}:${l.address}:${l.port}:${l.expires}:`;

/** Leases as miniupnpd's lease file lines (the description is written as it is: sanitise it first). */
export const renderLeases = (leases: LeaseLine[]): string =>
  leases.map((l) => `${leaseHead(l)}${l.description}\n`).join('');

/** The lease file mwan writes before every miniupnpd start (acceptedLeases, rendered). */
export function renderLeaseFile(
  mappings: Mapping[],
  details: Map<string, { expires: number; description: string }>,
  nowSec: number,
): string {
  return renderLeases(acceptedLeases(mappings, details, nowSec));
}

/** Protocol and external port (mappingKey) of each lease in `text` that has not ended: what miniupnpd will re-create. */
export function acceptedKeys(text: string, nowSec: number): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    const l = parseLeaseLine(line);
    if (typeof l !== 'string' && (l.expires === 0 || l.expires > nowSec)) keys.add(mappingKey(l));
  }
  return keys;
}
