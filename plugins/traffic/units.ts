// Parses data sizes for quotas: 20GB, 500 MiB, 2MB or a plain number of bytes (decimal k/M/G/T = 1000ⁿ, binary Ki/Mi/Gi/Ti = 1024ⁿ).
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

export const SIZE_HINT = 'expected a size such as 20GB, 500MiB, 1.5TB or a number of bytes';

/** The number of bytes, or null for anything else (a unit it does not know, a negative or zero size, too large). */
export function parseSize(input: unknown): number | null {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input > 0 ? input : null;
  if (typeof input !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (!m) return null;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  if (!unit) return null;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** A byte count for people: 1.5 GB, 820 MB, 12 kB (decimal units, as providers count). */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['TB', 1e12],
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const)
    if (bytes >= n) return `${(bytes / n).toFixed(bytes >= 100 * n ? 0 : 1)} ${unit}`;
  return `${bytes} B`;
}
