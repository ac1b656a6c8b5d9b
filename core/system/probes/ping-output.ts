// Parses the lines of iputils `ping -n -O -D`: replies, "no answer yet" (from -O), ICMP errors; timestamps from -D.

export type PingLine =
  /** An echo reply; `at` is the -D timestamp (epoch ms) when ping received it. */
  | { kind: 'reply'; seq: number; rttMs: number; at?: number; dup: boolean }
  /** -O: printed just before the next request is sent, for a request still unanswered. */
  | { kind: 'no-answer'; seq: number; at?: number }
  /** An ICMP error about one of our requests, such as "Destination Host Unreachable" sent by a router. */
  | { kind: 'error'; seq: number; at?: number; from: string; message: string }
  /** The banner, statistics, blank lines, anything else. */
  | { kind: 'other'; text: string };

const STAMP = /^\[(\d+(?:\.\d+)?)\]\s*/;
const REPLY = /^\d+ bytes from \S+?:? .*?\bicmp_seq=(\d+)\b.*?\btime[=<]\s*(\d+(?:\.\d+)?)\s*ms/;
const NO_ANSWER = /^no answer yet for icmp_seq=(\d+)/;
const ERROR = /^From (\S+?)(?: \([^)]*\))?:? icmp_seq=(\d+)\s+(.+?)\s*$/;

/** One line of ping's output (without its newline), classified. Sequence numbers are ping's 16-bit icmp_seq. */
export function parsePingLine(line: string): PingLine {
  let text = line.trim();
  let at: number | undefined;
  const stamp = STAMP.exec(text);
  if (stamp) {
    at = Number(stamp[1]) * 1000;
    text = text.slice(stamp[0].length);
  }
  const withAt = <T extends object>(o: T): T & { at?: number } => (at === undefined ? o : { ...o, at });
  let m = REPLY.exec(text);
  if (m) return withAt({ kind: 'reply' as const, seq: Number(m[1]), rttMs: Number(m[2]), dup: /\(DUP!\)/.test(text) });
  m = NO_ANSWER.exec(text);
  if (m) return withAt({ kind: 'no-answer' as const, seq: Number(m[1]) });
  m = ERROR.exec(text);
  // A redirect is advice about the next hop, not a verdict: the request may still be answered.
  if (m && !/^Redirect/i.test(m[3]))
    return withAt({ kind: 'error' as const, seq: Number(m[2]), from: m[1], message: m[3] });
  return { kind: 'other', text };
}

/**
 * The full sequence number a 16-bit icmp_seq stands for, given the one expected next: the candidate nearest to it.
 * ping's counter wraps at 65536 (after 3.6 hours at 200 ms).
 */
export function unwrapSeq(seq16: number, expected: number): number {
  const diff = (((seq16 - expected) % 65536) + 65536) % 65536;
  return expected + (diff >= 32768 ? diff - 65536 : diff);
}

/** ping's -i argument for an interval in ms: ping truncates seconds × 1000 to an integer, so nudge it up a hair. */
export function pingIntervalArg(intervalMs: number): string {
  return (intervalMs / 1000 + 1e-7).toFixed(7);
}
