// The history ring: WAN state changes and their reasons, failed reconciles, quota events; bounded by count and age, kept as JSON in the state directory.
import type { EventName } from '../../core/events.ts';

export interface HistoryEntry {
  /** ms since the epoch. */
  at: number;
  /** The bus event it came from (`wan.offline`, `reconcile.failed`, `wan.quota` …). */
  event: string;
  /** The WAN, when the event is about one. */
  wan?: string;
  /** The family of a WAN state change that is about IPv6 (absent: IPv4, or not about a family). */
  family?: 'ipv6';
  /** Why, in words (the verdict's reason, the reconcile's error, the quota figures). */
  reason: string;
  /** The WAN left service for a failure (offline, link down, degraded out of service; not by hand, not a quota). */
  flap?: boolean;
}

/** The bounds: at most this many entries, none older than this; a longer reason is cut. */
export const HISTORY_LIMITS = { entries: 5000, maxAgeMs: 30 * 86_400_000, reasonChars: 300 } as const;
export const HISTORY_FILE = 'history.json';

/** The events the history keeps. */
export const HISTORY_EVENTS = [
  'wan.online',
  'wan.degraded',
  'wan.offline',
  'wan.longdown',
  'wan.admin',
  'wan.quota',
  'reconcile.failed',
] as const satisfies readonly EventName[];

const WAN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The entry an event makes, or null for events the history does not keep (the periodic quota figure among them). */
export function entryOf(event: string, payload: unknown, at: number, flap = false): HistoryEntry | null {
  if (!(HISTORY_EVENTS as readonly string[]).includes(event) || !payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const wan = typeof p.wan === 'string' ? p.wan : undefined;
  let reason: string;
  if (event === 'reconcile.failed') reason = `${String(p.reason)}: ${String(p.error)}`;
  else if (event === 'wan.admin')
    reason = p.enabled ? 'put back in service by an administrator' : 'taken out of service by an administrator';
  else if (event === 'wan.quota') {
    if (p.threshold === null || p.threshold === undefined) return null;
    const use = `${p.usedBytes} of ${p.limitBytes} bytes (${p.percent} %)`;
    reason =
      p.state === 'exhausted'
        ? `data quota used up: ${use}`
        : p.threshold === 0
          ? `data quota available again: ${use}`
          : `${p.threshold} % of the data quota used: ${use}`;
  } else {
    const figures = [
      typeof p.rttMs === 'number' ? `rtt ${Math.round(p.rttMs)} ms` : '',
      typeof p.lossPct === 'number' ? `loss ${Math.round(p.lossPct)}%` : '',
    ].filter(Boolean);
    reason = `${String(p.reason)}${figures.length ? ` (${figures.join(', ')})` : ''}`;
  }
  return {
    at,
    event,
    ...(wan ? { wan } : {}),
    ...(p.family === 'ipv6' ? { family: 'ipv6' as const } : {}),
    reason: reason.slice(0, HISTORY_LIMITS.reasonChars),
    ...(flap ? { flap: true } : {}),
  };
}

export class HistoryRing {
  constructor(public entries: HistoryEntry[] = []) {}

  add(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.prune(entry.at);
  }

  /** Drops what is older than the age bound and the oldest entries beyond the count bound. */
  prune(now: number): void {
    const oldest = now - HISTORY_LIMITS.maxAgeMs;
    let from = this.entries.findIndex((e) => e.at >= oldest);
    if (from < 0) from = this.entries.length;
    from = Math.max(from, this.entries.length - HISTORY_LIMITS.entries);
    if (from > 0) this.entries = this.entries.slice(from);
  }

  text(): string {
    return `${JSON.stringify({ version: 1, entries: this.entries })}\n`;
  }

  /** Entries since `since` (ms), of one WAN when named, oldest first. */
  select(o: { since?: number; wan?: string } = {}): HistoryEntry[] {
    return this.entries.filter((e) => (o.since === undefined || e.at >= o.since) && (!o.wan || e.wan === o.wan));
  }

  /** Flaps of `wan` since `since`, and its last failure. */
  failures(wan: string, since: number): { flaps: number; last: HistoryEntry | null } {
    const all = this.entries.filter((e) => e.wan === wan && e.flap);
    return { flaps: all.filter((e) => e.at >= since).length, last: all.at(-1) ?? null };
  }

  /** A ring from the file's text; anything malformed is left out and reported through `problem` (untrusted input). */
  static parse(text: string, problem: (message: string) => void, now = Date.now()): HistoryRing {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      problem(`${HISTORY_FILE} is not valid JSON; the history starts empty`);
      return new HistoryRing();
    }
    const entries = (data as { version?: unknown; entries?: unknown })?.entries;
    if ((data as { version?: unknown })?.version !== 1 || !Array.isArray(entries)) {
      problem(`${HISTORY_FILE} is not a version 1 history file; the history starts empty`);
      return new HistoryRing();
    }
    const good = entries.filter(
      (e): e is HistoryEntry =>
        !!e &&
        typeof e === 'object' &&
        Number.isFinite(e.at) &&
        (HISTORY_EVENTS as readonly string[]).includes(e.event) &&
        typeof e.reason === 'string' &&
        e.reason.length <= HISTORY_LIMITS.reasonChars &&
        (e.wan === undefined || (typeof e.wan === 'string' && WAN_NAME.test(e.wan))) &&
        (e.flap === undefined || e.flap === true) &&
        (e.family === undefined || e.family === 'ipv6'),
    );
    if (good.length < entries.length)
      problem(`${HISTORY_FILE}: ${entries.length - good.length} malformed entries left out`);
    const ring = new HistoryRing(
      good
        .map((e) => ({
          at: e.at,
          event: e.event,
          ...(e.wan ? { wan: e.wan } : {}),
          ...(e.family ? { family: e.family } : {}),
          reason: e.reason,
          ...(e.flap ? { flap: true } : {}),
        }))
        .sort((a, b) => a.at - b.at),
    );
    ring.prune(now);
    return ring;
  }
}
