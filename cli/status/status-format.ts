// Renders a status report as the table `mwanctl status` prints.
import type { StatusReport } from './status.ts';

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function formatStatus(report: StatusReport, now = Date.now()): string {
  const head = `mode ${report.mode}, ${report.daemon ? `daemon running (pid ${report.pid})` : 'no daemon running (state read from the kernel)'}`;
  const rows = [['WAN', 'STATE', 'DEVICE', 'ADDRESS', 'GATEWAY', 'WEIGHT', 'TIER', 'MARK', 'TABLE', 'SINCE', 'RTT', 'LOSS', 'RP_FILTER', 'NEW CONNS', 'SHARE']];
  for (const w of report.wans) {
    const state = w.active ? w.state : w.inService ? `${w.state} (standby)` : w.state;
    rows.push([
      w.name, state, w.device, w.address ?? '-', w.gateway ?? '-', String(w.weight), String(w.tier), w.mark, String(w.table),
      ago(w.since, now), w.rttMs === null ? '-' : `${w.rttMs} ms`, w.lossPct === null ? '-' : `${w.lossPct}%`, w.rpFilter?.mode ?? '-', String(w.newConnections), w.share === null ? '-' : `${(w.share * 100).toFixed(1)}%`,
    ]);
  }
  const reasons = report.wans.filter((w) => !w.inService || w.state === 'degraded').map((w) => `  ${w.name}: ${w.reason}`);
  const probes = report.wans.filter((w) => w.targets.length).map((w) => `  ${w.name}: ${w.targets.map((t) => `${t.method} ${t.target} ${t.ok === null ? 'pending' : t.ok ? `${t.rttMs} ms` : 'no answer'}`).join(', ')}`);
  const policies = (report.policies ?? []).map((p) => {
    const weights = p.weights ? ` weights ${Object.entries(p.weights).map(([w, n]) => `${w} ${n}`).join(', ')}` : '';
    return `  ${p.name} (${p.strategy}${p.isDefault ? ', default rule' : ''}): usable ${p.usable.join(', ') || 'none'};${weights}${p.reason ? ` (${p.reason})` : ''}`;
  });
  const pending = report.confirmPending ? [`an apply waits for \`mwanctl confirm\`: rolled back in ${report.confirmPending.secondsLeft} s`] : [];
  const last = report.lastReconcile;
  const tail = last ? `last reconcile ${ago(last.at, now)} (${last.reason}): ${last.error ? `FAILED: ${last.error}` : `${last.changed ? 'applied' : 'no change'} in ${last.ms} ms`}` : '';
  return [head, '', table(rows), ...(probes.length ? ['', 'probes (last round):', ...probes] : []), ...(policies.length ? ['', 'policies:', ...policies] : []), ...(reasons.length ? ['', 'out of service or degraded:', ...reasons] : []), ...(tail ? ['', tail] : []), ...pending].join('\n');
}
