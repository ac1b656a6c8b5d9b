// The elements of mwan's run-time sets with timeouts (remembered choices): read from `nft -j`, and replaced in one transaction.
import { isIPv4 } from '../../../config/schema/validators.ts';
import { isIPv6Address } from '../../../config/schema/ipv6-groups.ts';
import { execaRunner, type Runner } from '../process/runner.ts';
import type { NftJsonItem } from './adapter.ts';

/** One element: its key (an address, or addresses joined by " . ") and the seconds until it expires. */
export interface TimedElement {
  key: string;
  expiresSeconds: number;
}

export interface TimedSet {
  name: string;
  elements: TimedElement[];
}

export const SET_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** nft's limit of a set's timeout is far beyond this; a week bounds what a peer may ask for. */
const MAX_TIMEOUT_S = 604_800;

/** Whether a key is one address or a concatenation of addresses (what mwan's remembered-choice sets hold). */
export function isTimedKey(key: string): boolean {
  const parts = key.split(' . ');
  return parts.length >= 1 && parts.length <= 2 && parts.every((p) => isIPv4(p) || isIPv6Address(p));
}

const keyText = (val: unknown): string | null => {
  if (typeof val === 'string') return val;
  const concat = (val as { concat?: unknown[] } | null)?.concat;
  if (Array.isArray(concat) && concat.every((v) => typeof v === 'string')) return concat.join(' . ');
  return null;
};

/** The sets of a listed table that have the `timeout` flag, with their elements (elements without `expires` skipped). */
export function timedSetsOf(items: NftJsonItem[]): TimedSet[] {
  const out: TimedSet[] = [];
  for (const item of items) {
    const set = (item as { set?: { name?: string; flags?: string[]; elem?: unknown[] } }).set;
    if (!set?.name || !set.flags?.includes('timeout')) continue;
    const elements: TimedElement[] = [];
    for (const e of set.elem ?? []) {
      const inner = (e as { elem?: { val?: unknown; expires?: number } }).elem;
      const key = inner ? keyText(inner.val) : null;
      if (key && isTimedKey(key) && typeof inner?.expires === 'number')
        elements.push({ key, expiresSeconds: inner.expires });
    }
    out.push({ name: set.name, elements });
  }
  return out;
}

/** The nft script that makes each named set hold exactly its elements (flush, then add with the remaining time). */
export function replaceScript(table: string, sets: TimedSet[]): string {
  if (!SET_NAME.test(table)) throw new Error(`bad nft table name: ${JSON.stringify(table)}`);
  const lines: string[] = [];
  for (const s of sets) {
    if (!SET_NAME.test(s.name)) throw new Error(`bad nft set name: ${JSON.stringify(s.name)}`);
    lines.push(`flush set inet ${table} ${s.name}`);
    const elems = s.elements.map((e) => {
      if (!isTimedKey(e.key)) throw new Error(`set ${s.name}: not an address key: ${JSON.stringify(e.key)}`);
      const t = Math.min(MAX_TIMEOUT_S, Math.max(1, Math.round(e.expiresSeconds)));
      return `${e.key} timeout ${t}s`;
    });
    if (elems.length) lines.push(`add element inet ${table} ${s.name} { ${elems.join(', ')} }`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Replaces the elements of the sets in one transaction (all or nothing). */
export async function replaceTimedSets(table: string, sets: TimedSet[], run: Runner = execaRunner): Promise<void> {
  const script = replaceScript(table, sets);
  if (script) await run(['nft', '-f', '-'], { input: script });
}
