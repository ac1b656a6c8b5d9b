// Parses miniupnpd's lease file (`TCP:9000:10.0.0.5:9000:1700000000:description` per mapping) into validated mappings.
import { isIPv4 } from '../../core/config/validators.ts';

export interface Mapping {
  proto: 'tcp' | 'udp';
  /** The port opened on the WANs. */
  externalPort: number;
  /** The LAN host and port it leads to. */
  address: string;
  port: number;
  /** Unix time (seconds) the lease ends; 0: no end. */
  expires: number;
  description: string;
}

const PORT = /^[1-9][0-9]{0,4}$/;
const isPort = (s: string): boolean => PORT.test(s) && Number(s) <= 65535;

/** One lease line, or undefined when it is not one (an empty line, a corrupted or foreign entry). */
export function parseLeaseLine(line: string): Mapping | undefined {
  const fields = line.split(':');
  if (fields.length < 6) return undefined;
  const [proto, eport, address, iport, expires] = fields;
  const p = proto.toLowerCase();
  if ((p !== 'tcp' && p !== 'udp') || !isPort(eport) || !isIPv4(address) || !isPort(iport) || !/^[0-9]{1,12}$/.test(expires)) return undefined;
  return { proto: p, externalPort: Number(eport), address, port: Number(iport), expires: Number(expires), description: fields.slice(5).join(':') };
}

/**
 * The live mappings of a lease file at `nowSec`: expired leases are left out, a later line for the same protocol and
 * external port replaces an earlier one, and lines that are not leases are returned in `rejected`.
 */
export function parseLeases(text: string, nowSec: number): { mappings: Mapping[]; rejected: string[] } {
  const byKey = new Map<string, Mapping>();
  const rejected: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = parseLeaseLine(line);
    if (!m) { rejected.push(line); continue; }
    const key = `${m.proto}:${m.externalPort}`;
    byKey.delete(key);
    if (m.expires === 0 || m.expires > nowSec) byKey.set(key, m);
  }
  const mappings = [...byKey.values()].sort((a, b) => a.proto.localeCompare(b.proto) || a.externalPort - b.externalPort);
  return { mappings, rejected };
}

/** `tcp 9000 → 10.0.0.5:9000`, for logs. */
export const describeMapping = (m: Mapping): string => `${m.proto} ${m.externalPort} → ${m.address}:${m.port}`;
