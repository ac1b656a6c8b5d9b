// The ra plugin's memory on disk (<stateDir>/ra/prefixes.json): what it advertised and the stale /64s, so a restarted daemon keeps deprecating them.
import { network6, parsePrefix6, type FileService } from '../../plugin-api/index.ts';
import { EMPTY_MEMORY, STALE_LIMIT_SECONDS, type RaMemory, type RememberedPrefix, type StalePrefix } from './stale.ts';

/** Far more than any router's LANs × WANs × stale prefixes; a longer file is not ours to trust. */
const MAX_BYTES = 256 * 1024;
const DEVICE = /^[A-Za-z0-9_.:@-]{1,15}$/;
const WAN = /^[A-Za-z0-9_.-]{1,64}$/;

/** A /64 as mwan writes it (canonical), else undefined: the text goes into radvd.conf. */
function prefix64(text: unknown): string | undefined {
  const p = typeof text === 'string' ? parsePrefix6(text) : undefined;
  return p?.length === 64 && network6(p) === text ? text : undefined;
}

function entry(x: unknown): { device: string; prefix: string; wan: string } | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const prefix = prefix64(o.prefix);
  if (!prefix || typeof o.device !== 'string' || !DEVICE.test(o.device)) return undefined;
  if (typeof o.wan !== 'string' || !WAN.test(o.wan)) return undefined;
  return { device: o.device, prefix, wan: o.wan };
}

const seconds = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 4294967295;

/**
 * Parses the file's text; entries that do not check out are left out (`dropped` counts them). A stale /64 never
 * expires later than two hours after `now` (a clock set back, or a file not written by this version).
 */
export function parseMemory(text: string, now: number): { memory: RaMemory; dropped: number } {
  if (!text.trim()) return { memory: EMPTY_MEMORY, dropped: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { memory: EMPTY_MEMORY, dropped: 1 };
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  let dropped = 0;
  const advertised: RememberedPrefix[] = [];
  for (const x of Array.isArray(o.advertised) ? o.advertised : []) {
    const e = entry(x);
    const lifetime = (x as { validLifetime?: unknown } | null)?.validLifetime;
    if (e && seconds(lifetime)) advertised.push({ ...e, validLifetime: lifetime });
    else dropped++;
  }
  const stale: StalePrefix[] = [];
  for (const x of Array.isArray(o.stale) ? o.stale : []) {
    const e = entry(x);
    const at = (x as { expiresAt?: unknown } | null)?.expiresAt;
    if (e && typeof at === 'number' && Number.isFinite(at))
      stale.push({ ...e, expiresAt: Math.min(at, now + STALE_LIMIT_SECONDS * 1000) });
    else dropped++;
  }
  return { memory: { advertised, stale }, dropped };
}

export function memoryText(memory: RaMemory): string {
  return `${JSON.stringify(memory, null, 1)}\n`;
}

/** Reads the memory; a missing file is an empty memory. */
export async function loadMemory(
  files: FileService,
  file: string,
  now: number,
): Promise<{ memory: RaMemory; dropped: number }> {
  return parseMemory(await files.readTextPrefix(file, MAX_BYTES), now);
}

export async function saveMemory(files: FileService, file: string, memory: RaMemory): Promise<void> {
  await files.writeAtomic(file, memoryText(memory));
}
