// Renders a status report as the table `mwanctl status` prints: 100 columns at most, or every detail with -v.
import { haLines } from './status-ha.ts';
import type { StatusReport, Wan6Status, WanStatus } from './status.ts';
import { formatSize } from '../../plugins/traffic/units.ts';

/** The default output's width: the table and the wrapped lines below it fit. */
export const STATUS_WIDTH = 100;

export interface StatusFormatOptions {
  verbose?: boolean;
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Breaks a line at spaces so no piece is longer than `width`; continuation lines get `indent`. */
export function wrap(line: string, width = STATUS_WIDTH, indent = '    '): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let at = rest.lastIndexOf(' ', width);
    if (at <= indent.length) at = rest.indexOf(' ', width);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = `${indent}${rest.slice(at + 1).trimStart()}`;
  }
  return [...out, rest];
}

const stateOf = (w: WanStatus) => (w.active ? w.state : w.inService ? `${w.state} (standby)` : w.state);
/** The IPv6 row's state: `(shared)` when IPv6 takes the IPv4 verdict (the WAN probes no IPv6 target). */
const state6 = (six: Wan6Status) => (six.sharedFate ? `${six.state} (shared)` : six.state);
/** A WAN's IPv6 row, under its IPv4 row: `  ipv6` and its own state, then `cells` (its own RTT and loss among them). */
const ipv6Row = (w: WanStatus, cells: (six: Wan6Status) => string[]): string[][] =>
  w.ipv6 ? [['  ipv6', state6(w.ipv6), ...cells(w.ipv6)]] : [];
const rtt = (ms: number | null) =>
  ms === null ? '-' : ms >= 10000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms)} ms`;
const loss = (pct: number | null) => (pct === null ? '-' : `${Math.round(pct)}%`);
const share = (s: number | null) => (s === null ? '-' : `${(s * 100).toFixed(1)}%`);

/** WAN, state, since, RTT, loss, flaps in the last 24 h, last failure, share: 98 columns with 24-character names. */
function narrowRows(report: StatusReport, now: number): string[][] {
  const rows = [['WAN', 'STATE', 'SINCE', 'RTT', 'LOSS', 'FLAPS 24H', 'LAST FAIL', 'SHARE']];
  for (const w of report.wans) {
    rows.push([
      w.name,
      stateOf(w),
      ago(w.since, now),
      rtt(w.rttMs),
      loss(w.lossPct),
      String(w.flaps24h ?? w.flaps ?? 0),
      w.lastFailure ? ago(w.lastFailure.at, now) : '-',
      share(w.share),
    ]);
    rows.push(...ipv6Row(w, (six) => [ago(six.since, now), rtt(six.rttMs), loss(six.lossPct), '-', '-', '-']));
  }
  return rows;
}

/** `lte: 19.5 GB of 20 GB (97.5 %), warned` per WAN with a quota. */
const quotaLines = (report: StatusReport) =>
  report.wans.flatMap((w) =>
    w.quota
      ? [
          `  ${w.name}: ${formatSize(w.quota.usedBytes)} of ${formatSize(w.quota.limitBytes)} (${w.quota.percent.toFixed(1)} %), ${w.quota.state === 'exhausted' ? 'used up' : w.quota.state}`,
        ]
      : [],
  );

function wideRows(report: StatusReport, now: number): string[][] {
  const rows = [
    [
      'WAN',
      'STATE',
      'DEVICE',
      'ADDRESS',
      'GATEWAY',
      'WEIGHT',
      'TIER',
      'MARK',
      'TABLE',
      'SINCE',
      'RTT',
      'LOSS',
      'FLAPS',
      'FLAPS 24H',
      'LAST FAILURE',
      'RP_FILTER',
      'NEW CONNS',
      'SHARE',
    ],
  ];
  for (const w of report.wans) {
    rows.push([
      w.name,
      stateOf(w),
      w.device,
      w.address ?? '-',
      w.gateway ?? '-',
      String(w.weight),
      String(w.tier),
      w.mark,
      String(w.table),
      ago(w.since, now),
      rtt(w.rttMs),
      loss(w.lossPct),
      String(w.flaps ?? 0),
      String(w.flaps24h ?? w.flaps ?? 0),
      w.lastFailure ? ago(w.lastFailure.at, now) : '-',
      w.rpFilter?.mode ?? '-',
      String(w.newConnections),
      share(w.share),
    ]);
    rows.push(
      ...ipv6Row(w, (six) => [
        w.device,
        six.address ?? '-',
        six.gateway ?? '-',
        ...['', '', '', ''],
        ago(six.since, now),
        rtt(six.rttMs),
        loss(six.lossPct),
        ...['', '', '', '', '', ''],
      ]),
    );
  }
  return rows;
}

const section = (title: string, lines: string[]) => (lines.length ? ['', title, ...lines] : []);

export function formatStatus(report: StatusReport, now = Date.now(), opts: StatusFormatOptions = {}): string {
  const verbose = opts.verbose ?? false;
  const head = `mode ${report.mode}, ${report.daemon ? `daemon running (pid ${report.pid})` : 'no daemon running (state read from the kernel)'}`;
  const reasons = report.wans.flatMap((w) => [
    ...(!w.inService || w.state === 'degraded' ? [`  ${w.name}: ${w.reason}`] : []),
    ...(w.ipv6 && (!w.ipv6.inService || w.ipv6.state === 'degraded') ? [`  ${w.name} (IPv6): ${w.ipv6.reason}`] : []),
  ]);
  const answers = (targets: WanStatus['targets']) =>
    targets
      .map((t) => `${t.method} ${t.target} ${t.ok === null ? 'pending' : t.ok ? `${t.rttMs} ms` : 'no answer'}`)
      .join(', ');
  const probes = report.wans.flatMap((w) => [
    ...(w.targets.length ? [`  ${w.name}: ${answers(w.targets)}`] : []),
    ...(w.ipv6?.targets?.length ? [`  ${w.name} (IPv6): ${answers(w.ipv6.targets)}`] : []),
  ]);
  const failures = report.wans
    .filter((w) => w.lastFailure)
    .map((w) => `  ${w.name}: ${w.lastFailure!.at} ${w.lastFailure!.reason}`);
  const policies = (report.policies ?? []).map((p) => {
    const weights = p.weights
      ? ` weights ${Object.entries(p.weights)
          .map(([w, n]) => `${w} ${n}`)
          .join(', ')}`
      : '';
    return `  ${p.name} (${p.strategy}${p.isDefault ? ', default rule' : ''}): usable ${p.usable.join(', ') || 'none'};${weights}${p.reason ? ` (${p.reason})` : ''}`;
  });
  const pending = report.confirmPending
    ? [`an apply waits for \`mwanctl confirm\`: rolled back in ${report.confirmPending.secondsLeft} s`]
    : [];
  const last = report.lastReconcile;
  const tail = last
    ? `last reconcile ${ago(last.at, now)} (${last.reason}): ${last.error ? `FAILED: ${last.error}` : `${last.changed ? 'applied' : 'no change'} in ${last.ms} ms`}`
    : '';
  const lines = [
    head,
    '',
    table(verbose ? wideRows(report, now) : narrowRows(report, now)),
    ...(verbose ? section('probes (last round):', probes) : []),
    ...section('policies:', policies),
    ...section('data quotas (this period, both directions):', quotaLines(report)),
    ...section('HA pair:', haLines(report, now)),
    ...section('out of service or degraded:', reasons),
    ...(verbose ? section('last failure:', failures) : []),
    ...(tail ? ['', tail] : []),
    ...pending,
  ];
  return (verbose ? lines : lines.flatMap((l) => (l.includes('\n') ? [l] : wrap(l)))).join('\n');
}
