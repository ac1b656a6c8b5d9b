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
    ...peerLines(ha.peerLink),
    ...uplinkLines(report, ha.uplinks),
  ];
}

/** Each single-address uplink: held by the peer (this node is backup) or here, with its address and its client. */
function uplinkLines(report: StatusReport, uplinks: HaReport['uplinks']): string[] {
  return (uplinks ?? []).map((u) => {
    const w = report.wans.find((x) => x.name === u.wan);
    const where =
      w?.state === 'held-by-peer'
        ? 'held by the peer'
        : `here (${w?.address ?? 'no address yet'}, ${w?.state ?? 'unknown'})`;
    const client = u.client
      ? `; client ${u.client.running ? `running (pid ${u.client.pid ?? '-'}, ${u.client.starts} starts)` : 'not running'}`
      : '';
    return `  uplink ${u.wan}${w ? ` on ${w.device}` : ''}: ${where}${client}`;
  });
}

/** The peer channel: "config matches peer" / "differs since …" / "peer unreachable", and the copied remembered choices. */
function peerLines(p: HaReport['peerLink']): string[] {
  if (!p) return [];
  const config =
    p.config === 'matches'
      ? 'config matches peer'
      : p.config === 'differs'
        ? `config differs from peer since ${p.since}${p.sections.length ? ` (sections: ${p.sections.join(', ')})` : ''}`
        : p.config === 'unreachable'
          ? `peer unreachable since ${p.since}${p.problem ? ` (${p.problem})` : ''}`
          : 'peer not heard from yet';
  const role = p.role ? `; peer is ${p.role}` : '';
  const copied = p.mirrored
    ? `; ${p.mirrored.elements} remembered choices copied from it (${p.mirrored.sets} sets, ${p.mirrored.at})`
    : '';
  const leases = p.upnpLeases ? `; ${p.upnpLeases.leases} UPnP leases copied from it (${p.upnpLeases.at})` : '';
  return [`  peer channel: ${config}${role}${copied}${leases}`];
}
