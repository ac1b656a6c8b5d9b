// The HA pair's lines in `mwanctl status`: this node's role and since when, its peer, conntrackd's sync counters.
import type { HaReport } from '../../plugins/ha/role.ts';
import type { StatusReport } from './status.ts';

export function haLines(report: StatusReport, now: number): string[] {
  const ha = report.plugins?.ha as HaReport | undefined;
  if (!ha) return [];
  const secs = Math.max(0, Math.round((now - Date.parse(ha.since)) / 1000));
  const s = ha.sync;
  return [
    `  ${ha.node}: ${ha.role ?? 'no role yet (waiting for keepalived)'} for ${secs} s (since ${ha.since}); peer ${ha.peer}`,
    s
      ? `  sync: ${s.internal} connections here, ${s.external} from the peer; ${s.sentPackets} packets sent, ${s.receivedPackets} received, ${s.sendErrors + s.receiveErrors} errors, ${s.lostMessages} lost`
      : '  sync: conntrackd does not answer',
  ];
}
