// Reads conntrackd's `-s` output: the internal and external cache sizes and the sync link's traffic.
export interface SyncCounters {
  /** Connections this node tracks itself (its internal cache). */
  internal: number;
  /** Connections the peer sent (the external cache, committed to the kernel on takeover). */
  external: number;
  sentPackets: number;
  receivedPackets: number;
  sendErrors: number;
  receiveErrors: number;
  lostMessages: number;
}

const num = (m: RegExpExecArray | null): number => (m ? Number(m[1]) : 0);

/** The counters of `conntrackd -s` (conntrackd 1.4); absent sections read as 0, text that is no such output as null. */
export function parseConntrackdStats(text: string): SyncCounters | null {
  const section = (name: string) => {
    const start = text.indexOf(name);
    if (start < 0) return '';
    const end = text.indexOf('\n\n', start);
    return text.slice(start, end < 0 ? undefined : end);
  };
  const internal = section('cache internal:');
  const external = section('cache external:');
  if (!internal && !external) return null;
  const udp = section('traffic (active device');
  return {
    internal: num(/current active connections:\s+(\d+)/.exec(internal)),
    external: num(/current active connections:\s+(\d+)/.exec(external)),
    sentPackets: num(/(\d+) Pckts sent/.exec(udp)),
    receivedPackets: num(/(\d+) Pckts recv/.exec(udp)),
    sendErrors: num(/(\d+) Error send/.exec(udp)),
    receiveErrors: num(/(\d+) Error recv/.exec(udp)),
    lostMessages: num(/(\d+) Lost msgs/.exec(text)),
  };
}
