// Parses conntrack's text lines (`conntrack -E -o timestamp,id` events and `conntrack -L -o id` listings) into plain records.

export interface ConntrackRecord {
  /** NEW, UPDATE or DESTROY for events; LIST for a listing line. */
  type: 'NEW' | 'UPDATE' | 'DESTROY' | 'LIST';
  /** Seconds since the epoch, from `-o timestamp` (undefined in listings). */
  ts?: number;
  id: number;
  proto: string;
  /** TCP state (SYN_SENT, ESTABLISHED, TIME_WAIT…), undefined for other protocols. */
  state?: string;
  /** Original direction. */
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** No reply seen yet. */
  unreplied: boolean;
  mark: number;
}

const LINE = /^(?:\[(\d+\.\d+)\]\s+)?(?:\[(NEW|UPDATE|DESTROY)\]\s+)?(\S+)\s+\d+\s+(\d+\s+)?(.*)$/;

/** One record, or null for lines that are not flows (warnings, the summary line). */
export function parseConntrackLine(line: string): ConntrackRecord | null {
  const m = LINE.exec(line.trim());
  if (!m || !line.includes('src=')) return null;
  const [, ts, type, proto, , rest] = m;
  const first = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(rest)?.[1];
  // `-o id` puts the flow id last; an icmp flow also has its echo id (`id=`) in each tuple.
  const id = [...rest.matchAll(/(?:^|\s)id=(\d+)/g)].at(-1)?.[1];
  const src = first('src');
  const dst = first('dst');
  if (id === undefined || src === undefined || dst === undefined) return null;
  const state = /^([A-Z_]+)\s/.exec(rest)?.[1];
  const sport = first('sport');
  const dport = first('dport');
  return {
    type: (type as ConntrackRecord['type'] | undefined) ?? 'LIST',
    ts: ts === undefined ? undefined : Number(ts),
    id: Number(id),
    proto,
    state,
    src,
    dst,
    sport: sport === undefined ? undefined : Number(sport),
    dport: dport === undefined ? undefined : Number(dport),
    unreplied: rest.includes('[UNREPLIED]'),
    mark: Number(first('mark') ?? 0),
  };
}
