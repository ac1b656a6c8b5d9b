// The events the traffic plugin publishes, merged into the bus's event map: each WAN's counters and its data quota.
export {};

declare module '../../plugin-api/index.ts' {
  interface MwanEvents {
    /** A WAN's kernel traffic counters: cumulative since the daemon started, published every 5 s. */
    'wan.traffic': {
      wan: string;
      rxBytes: number;
      txBytes: number;
      rxPackets: number;
      txPackets: number;
      newConnections: number;
    };
    /** A WAN's data quota: its use, and each change of state (a threshold crossed, used up, a new period). */
    'wan.quota': {
      wan: string;
      usedBytes: number;
      limitBytes: number;
      percent: number;
      state: 'ok' | 'warned' | 'exhausted';
      threshold: number | null;
    };
  }
}
