// Reads what a strategy needs from the first bytes of an IPv4 packet: addresses, protocol and TCP/UDP ports.

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

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

/** A protocol's name for strategies and logs: tcp, udp, icmp, or the number. */
export function protoName(proto: number): string {
  return proto === IPPROTO_TCP ? 'tcp' : proto === IPPROTO_UDP ? 'udp' : proto === 1 ? 'icmp' : String(proto);
}
