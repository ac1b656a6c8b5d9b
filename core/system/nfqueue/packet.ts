// Reads what a strategy needs from the first bytes of an IPv4 or IPv6 packet: family, addresses, protocol and TCP/UDP ports.
import { canonicalIPv6 } from '../ipv6-text.ts';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export interface Ipv4Summary {
  src: string;
  dst: string;
  /** IP protocol number. */
  proto: number;
  /** Source and destination ports for TCP, UDP (and UDP-Lite, SCTP, DCCP); undefined otherwise or when not copied. */
  sport?: number;
  dport?: number;
}

const PORTED = new Set([IPPROTO_TCP, IPPROTO_UDP, 33 /* DCCP */, 132 /* SCTP */, 136 /* UDP-Lite */]);

const addr = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** Null for anything that is not a whole IPv4 header. Ports only for the first fragment. */
export function parseIpv4(b: Uint8Array): Ipv4Summary | null {
  if (b.length < 20 || b[0] >> 4 !== 4) return null;
  const ihl = (b[0] & 0x0f) * 4;
  if (ihl < 20 || b.length < ihl) return null;
  const proto = b[9];
  const s: Ipv4Summary = { src: addr(b, 12), dst: addr(b, 16), proto };
  const fragOffset = ((b[6] & 0x1f) << 8) | b[7];
  if (PORTED.has(proto) && fragOffset === 0 && b.length >= ihl + 4) {
    s.sport = (b[ihl] << 8) | b[ihl + 1];
    s.dport = (b[ihl + 2] << 8) | b[ihl + 3];
  }
  return s;
}

/** A packet's summary with its family. */
export type PacketSummary = Ipv4Summary & { family: 'ipv4' | 'ipv6' };

/** IPv6 extension headers walked to reach the upper-layer protocol: hop-by-hop, routing, destination options, AH. */
const EXTENSION = new Set([0, 43, 60, 51]);
const FRAGMENT = 44;

const addr6 = (b: Uint8Array, o: number): string => {
  const groups = Array.from({ length: 8 }, (_, i) => ((b[o + 2 * i] << 8) | b[o + 2 * i + 1]).toString(16));
  return canonicalIPv6(groups.join(':'));
};

/**
 * Null for anything that is not a whole IPv6 header. Extension headers are skipped to find the protocol (within the
 * copied bytes; if they run past them the protocol is the last header reached and there are no ports). Ports only
 * for a first (or no) fragment. Addresses in RFC 5952 form.
 */
export function parseIpv6(b: Uint8Array): Ipv4Summary | null {
  if (b.length < 40 || b[0] >> 4 !== 6) return null;
  const s: Ipv4Summary = { src: addr6(b, 8), dst: addr6(b, 24), proto: b[6] };
  let at = 40;
  let first = true;
  for (let hops = 0; hops < 8 && (EXTENSION.has(s.proto) || s.proto === FRAGMENT); hops++) {
    if (b.length < at + 8) return s;
    const next = b[at];
    if (s.proto === FRAGMENT) {
      first = ((b[at + 2] << 5) | (b[at + 3] >> 3)) === 0;
      at += 8;
    } else at += s.proto === 51 ? (b[at + 1] + 2) * 4 : (b[at + 1] + 1) * 8;
    s.proto = next;
  }
  if (PORTED.has(s.proto) && first && b.length >= at + 4) {
    s.sport = (b[at] << 8) | b[at + 1];
    s.dport = (b[at + 2] << 8) | b[at + 3];
  }
  return s;
}

/** The summary of an IPv4 or IPv6 packet, by its version; null for anything else. */
export function parsePacket(b: Uint8Array): PacketSummary | null {
  const v4 = parseIpv4(b);
  if (v4) return { ...v4, family: 'ipv4' };
  const v6 = parseIpv6(b);
  return v6 ? { ...v6, family: 'ipv6' } : null;
}

/** A protocol's name for strategies and logs: tcp, udp, icmp, icmpv6, or the number. */
export function protoName(proto: number): string {
  if (proto === IPPROTO_TCP) return 'tcp';
  if (proto === IPPROTO_UDP) return 'udp';
  if (proto === 1) return 'icmp';
  return proto === IPPROTO_ICMPV6 ? 'icmpv6' : String(proto);
}
