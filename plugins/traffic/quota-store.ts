// The quota usage file (`quota.json` in the state directory): written by the daemon, read back at start; untrusted input, checked field by field.

/** One WAN's use in its current period. `raw`: the kernel counters (bytes) at the last accounting. */
export interface QuotaUse {
  periodStart: number;
  usedBytes: number;
  limitBytes: number;
  raw: { rx: number; tx: number } | null;
  warned: number[];
  exhausted: boolean;
}

export const QUOTA_FILE = 'quota.json';

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function serializeQuotas(uses: Map<string, QuotaUse>, now: number): string {
  const wans = Object.fromEntries(
    [...uses].map(([wan, u]) => [
      wan,
      {
        periodStart: new Date(u.periodStart).toISOString(),
        usedBytes: u.usedBytes,
        limitBytes: u.limitBytes,
        rawRxBytes: u.raw?.rx ?? null,
        rawTxBytes: u.raw?.tx ?? null,
        warned: u.warned,
        exhausted: u.exhausted,
      },
    ]),
  );
  return `${JSON.stringify({ version: 1, savedAt: new Date(now).toISOString(), wans }, null, 1)}\n`;
}

/** The uses the file holds; anything malformed is left out and reported through `problem` (the file is untrusted). */
export function parseQuotas(text: string, problem: (message: string) => void): Map<string, QuotaUse> {
  const out = new Map<string, QuotaUse>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    problem(`${QUOTA_FILE} is not valid JSON; quota use starts from zero`);
    return out;
  }
  const wans = (data as { version?: unknown; wans?: unknown })?.wans;
  if ((data as { version?: unknown })?.version !== 1 || !wans || typeof wans !== 'object' || Array.isArray(wans)) {
    problem(`${QUOTA_FILE} is not a version 1 quota file; quota use starts from zero`);
    return out;
  }
  for (const [wan, raw] of Object.entries(wans as Record<string, unknown>)) {
    const r = (raw ?? {}) as Record<string, unknown>;
    const periodStart = typeof r.periodStart === 'string' ? Date.parse(r.periodStart) : Number.NaN;
    const rawKnown = count(r.rawRxBytes) && count(r.rawTxBytes);
    const warned = Array.isArray(r.warned) ? r.warned : null;
    if (
      !/^[A-Za-z0-9_.-]{1,32}$/.test(wan) ||
      !Number.isFinite(periodStart) ||
      !count(r.usedBytes) ||
      !count(r.limitBytes) ||
      !warned?.every((t) => count(t) && t <= 100) ||
      typeof r.exhausted !== 'boolean'
    ) {
      problem(
        `${QUOTA_FILE}: the entry of WAN ${JSON.stringify(wan).slice(0, 40)} is malformed; its use starts from zero`,
      );
      continue;
    }
    out.set(wan, {
      periodStart,
      usedBytes: r.usedBytes as number,
      limitBytes: r.limitBytes as number,
      raw: rawKnown ? { rx: r.rawRxBytes as number, tx: r.rawTxBytes as number } : null,
      warned: warned as number[],
      exhausted: r.exhausted,
    });
  }
  return out;
}
