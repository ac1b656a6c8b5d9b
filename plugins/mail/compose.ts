// Pure message composition: the subject and plain-text body of a state change, a coalesced flap, a long-down or a quota notice.
import type { MwanEvents, WanChange } from '../../plugin-api/index.ts';

export type MailState = 'online' | 'degraded' | 'offline';

/** One state change of one WAN, as it arrived on the bus. */
export interface Transition {
  state: MailState;
  at: Date;
  change: WanChange;
}

export interface Message {
  subject: string;
  text: string;
}

/** 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min, 1 d 4 h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const whole = Math.round(s);
  const [d, h, m, sec] = [
    Math.floor(whole / 86400),
    Math.floor(whole / 3600) % 24,
    Math.floor(whole / 60) % 60,
    whole % 60,
  ];
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min ${sec} s`;
}

const figure = (n: number | null | undefined, unit: string) =>
  n == null || !Number.isFinite(n) ? 'unknown' : `${Math.round(n * 10) / 10} ${unit}`;

/** The WAN as a subject names it: `isp1` for IPv4 (as before), `isp1 (IPv6)` for its IPv6 side. */
export const wanLabel = (change: Pick<WanChange, 'wan' | 'family'>): string =>
  change.family === 'ipv6' ? `${change.wan} (IPv6)` : change.wan;

/** The labelled lines that describe one change: family, state, reason, figures, downtime, time. */
export function describeChange(state: string, change: WanChange, at: Date): string[] {
  return [
    `WAN:       ${change.wan}`,
    `Family:    ${change.family === 'ipv6' ? 'IPv6' : 'IPv4'}`,
    `State:     ${state}`,
    `Reason:    ${change.reason}`,
    `RTT:       ${figure(change.rttMs, 'ms')}`,
    `Loss:      ${figure(change.lossPct, '%')}`,
    ...(change.downForMs == null ? [] : [`Down for:  ${formatDuration(change.downForMs)}`]),
    `Time:      ${at.toISOString()}`,
  ];
}

const footer = (host: string) => ['', `-- `, `mwan on ${host}`, ''];

/** One message for the changes of one WAN within a coalescing window (one or more, oldest first). */
export function composeChanges(prefix: string, host: string, transitions: Transition[]): Message {
  const last = transitions[transitions.length - 1];
  const { reason } = last.change;
  const wan = wanLabel(last.change);
  if (transitions.length === 1) {
    return {
      subject: `${prefix} ${wan} ${last.state}: ${reason}`,
      text: [`${wan} is ${last.state}.`, '', ...describeChange(last.state, last.change, last.at), ...footer(host)].join(
        '\n',
      ),
    };
  }
  const span = formatDuration(last.at.getTime() - transitions[0].at.getTime());
  const blocks = transitions.flatMap((t, i) => [
    '',
    `${i + 1}. ${t.state} at ${t.at.toISOString()}`,
    ...describeChange(t.state, t.change, t.at).map((l) => `   ${l}`),
  ]);
  return {
    subject: `${prefix} ${wan} ${last.state}: ${reason} (${transitions.length} changes in ${span})`,
    text: [
      `${wan} changed state ${transitions.length} times in ${span} (flapping); it is now ${last.state}.`,
      ...blocks,
      ...footer(host),
    ].join('\n'),
  };
}

/** The notice sent once when a WAN has been out of service longer than the long-down time. */
export function composeLongDown(prefix: string, host: string, change: WanChange, at: Date): Message {
  const down = change.downForMs == null ? '' : ` for ${formatDuration(change.downForMs)}`;
  return {
    subject: `${prefix} ${wanLabel(change)} long down${down}: ${change.reason}`,
    text: [
      `${wanLabel(change)} has been out of service${down} and is still down.`,
      '',
      ...describeChange('long down', change, at),
      ...footer(host),
    ].join('\n'),
  };
}

/** A quota notice: a threshold reached, the quota used up (and what happens to the WAN), or a new allowance. */
export function composeQuota(
  prefix: string,
  host: string,
  q: MwanEvents['wan.quota'],
  at: Date,
  action?: 'standby' | 'offline',
): Message {
  const use = `${q.usedBytes} of ${q.limitBytes} bytes (${q.percent.toFixed(1)} %)`;
  const what =
    q.state === 'exhausted'
      ? `data quota used up: ${action === 'offline' ? 'out of service' : 'standby (used only while no other WAN is in service)'} until the next period`
      : q.threshold
        ? `${q.threshold} % of the data quota used`
        : 'data quota available again';
  return {
    subject: `${prefix} ${q.wan} ${what}`,
    text: [`${q.wan}: ${what}.`, '', `used:  ${use}`, `time:  ${at.toISOString()}`, ...footer(host)].join('\n'),
  };
}

/** The HA peers' configurations start to differ, or match again after differing. */
export function composePeerConfig(prefix: string, host: string, p: MwanEvents['ha.peer'], at: Date): Message {
  const what =
    p.config === 'differs'
      ? `HA node ${p.node}: configuration differs from peer ${p.peer}`
      : `HA node ${p.node}: configuration matches peer ${p.peer} again`;
  const detail =
    p.config === 'differs'
      ? [
          `sections: ${p.sections.join(', ') || '(the whole)'}`,
          '',
          'Marks, tables and remembered choices are computed from the configuration: until both routers run the same',
          'file, a takeover may move connections to other WANs. Copy one file to both routers and reload.',
        ]
      : [];
  return {
    subject: `${prefix} ${what}`,
    text: [`${what}.`, ...detail, '', `time:  ${at.toISOString()}`, ...footer(host)].join('\n'),
  };
}

/** An HA role change of this router (every role change is mailed, by the node it happened on). */
export function composeRole(prefix: string, host: string, r: MwanEvents['ha.role'], at: Date): Message {
  const what = `HA node ${r.node} is ${r.role}${r.previous ? ` (was ${r.previous})` : ''}`;
  return {
    subject: `${prefix} ${what}`,
    text: [`${what}; its peer is ${r.peer}.`, '', `time:  ${at.toISOString()}`, ...footer(host)].join('\n'),
  };
}
