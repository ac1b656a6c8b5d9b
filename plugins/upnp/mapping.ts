// A UPnP port mapping as mwan forwards it (protocol, WAN port, LAN host and port), why one was refused, and log text.

export interface Mapping {
  proto: 'tcp' | 'udp';
  /** The port opened on the WANs. */
  externalPort: number;
  /** The LAN host and port it leads to. */
  address: string;
  port: number;
}

/** A mapping (or a rule of miniupnpd's table) mwan does not forward, and why; `what` names it. */
export interface Refusal {
  what: string;
  reason: string;
}

/** `tcp 9000 → 10.0.0.5:9000`, for logs. */
export const describeMapping = (m: Mapping): string => `${m.proto} ${m.externalPort} → ${m.address}:${m.port}`;

/** Identifies a mapping by protocol and external port (miniupnpd keeps one per pair). */
export const mappingKey = (m: Pick<Mapping, 'proto' | 'externalPort'>): string => `${m.proto}:${m.externalPort}`;
