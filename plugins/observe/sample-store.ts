// The status page's samples across a restart: written to the state directory when the plugin stops, read back at start (the last hour only, configured WANs only).
import type { Sample } from './samples.ts';

export const SAMPLES_FILE = 'observe-samples.json';
const VERSION = 1;

/** One sample as stored: [t, rttMs, lossPct, rxBps, txBps] (null for unknown). */
type Row = [number, number | null, number | null, number | null, number | null];

/** Compact text of every WAN's samples (about 40 bytes a sample: 64 WANs × 720 samples stay under 2 MB). */
export function serializeSamples(all: Record<string, Sample[]>, savedAt: number): string {
  const wans: Record<string, Row[]> = {};
  for (const [wan, samples] of Object.entries(all))
    wans[wan] = samples.map((s) => [s.t, s.rttMs, s.lossPct, s.rxBps, s.txBps]);
  return JSON.stringify({ version: VERSION, savedAt, wans });
}

const numberOrNull = (x: unknown): x is number | null => x === null || (typeof x === 'number' && Number.isFinite(x));

/**
 * The stored samples of the WANs in `wans`, newer than `since` (seconds since the epoch) and not in the future, at
 * most `capacity` each, oldest first. Anything malformed is left out; `warn` says so once.
 */
export function parseSamples(
  text: string,
  wans: readonly string[],
  since: number,
  now: number,
  capacity: number,
  warn: (message: string) => void,
): Record<string, Sample[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    warn(`observe: ${SAMPLES_FILE} is not JSON; the graphs start empty`);
    return {};
  }
  const stored = (data as { version?: unknown; wans?: unknown } | null) ?? {};
  if (stored.version !== VERSION || typeof stored.wans !== 'object' || stored.wans === null) {
    warn(`observe: ${SAMPLES_FILE} is not a samples file of version ${VERSION}; the graphs start empty`);
    return {};
  }
  const out: Record<string, Sample[]> = {};
  let dropped = 0;
  for (const wan of wans) {
    const rows = (stored.wans as Record<string, unknown>)[wan];
    if (!Array.isArray(rows)) continue;
    const samples: Sample[] = [];
    let last = -Infinity;
    for (const row of rows) {
      const ok =
        Array.isArray(row) &&
        row.length === 5 &&
        typeof row[0] === 'number' &&
        row[0] > last &&
        row.slice(1).every(numberOrNull);
      if (!ok) {
        dropped++;
        continue;
      }
      last = row[0];
      // Times are kept to a tenth of a second, rounded: a sample taken just before `now` may read up to 0.05 s later.
      if (row[0] <= since || row[0] > now + 0.1) continue;
      samples.push({ t: row[0], rttMs: row[1], lossPct: row[2], rxBps: row[3], txBps: row[4] });
    }
    if (samples.length) out[wan] = samples.slice(-capacity);
  }
  if (dropped) warn(`observe: ${dropped} malformed samples in ${SAMPLES_FILE} left out`);
  return out;
}
