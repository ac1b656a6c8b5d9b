// The fast path's nft script: from the table the last apply left to the desired one, touching only the changed chains and set elements.
import type { NftDesired, SetSpec } from './desired.ts';
import type { CurrentNft } from '../system/kernel/nft-read.ts';
import { FINGERPRINT_PREFIX, chainBlock, fingerprintChain, fingerprintOf, holdsTable } from './nft-table-block.ts';

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A set's definition without its elements: a change there (type, flags, timeout) needs the full render. */
const setShape = (s: SetSpec) => ({
  kind: s.kind,
  type: s.type,
  flags: s.flags ?? [],
  timeout: s.timeout ?? '',
  static: s.elements !== undefined,
});

/** The key of an element: a map element's part before ` : ` (what `delete element` names), a set element whole. */
const elementKey = (kind: SetSpec['kind'], element: string): string =>
  kind === 'map' ? element.split(' : ')[0].trim() : element;

/** Element lines for one set whose static elements changed: deletions (by key) first, then additions. */
function elementLines(table: string, before: SetSpec, after: SetSpec): string[] {
  const was = new Set(before.elements ?? []);
  const now = new Set(after.elements ?? []);
  const gone = [...was].filter((e) => !now.has(e));
  const added = [...now].filter((e) => !was.has(e));
  const lines: string[] = [];
  if (gone.length)
    lines.push(
      `delete element inet ${table} ${after.name} { ${[...new Set(gone.map((e) => elementKey(after.kind, e)))].join(', ')} }`,
    );
  if (added.length) lines.push(`add element inet ${table} ${after.name} { ${added.join(', ')} }`);
  return lines;
}

/**
 * The script that turns the table `previous` rendered into `next` in one transaction, or null when the fast path
 * does not apply (the kernel does not hold `previous`, or objects, hooks, set definitions or counters changed):
 * the caller then renders the whole table. Changed chains are flushed and refilled; unchanged chains, sets and
 * counters are not touched; set elements are deleted and added one by one; the fingerprint chain is renamed.
 */
export function renderNftDelta(
  table: string,
  next: NftDesired,
  previous: NftDesired,
  current: CurrentNft,
  previousFingerprint = fingerprintOf(table, previous),
): { script: string; fingerprint: string } | null {
  if (!holdsTable(previous, current, previousFingerprint)) return null;
  if (!sameJson(previous.counters, next.counters)) return null;
  if (
    !sameJson(
      previous.chains.map((c) => [c.name, c.base]),
      next.chains.map((c) => [c.name, c.base]),
    )
  )
    return null;
  if (
    !sameJson(
      previous.sets.map((s) => [s.name, setShape(s)]),
      next.sets.map((s) => [s.name, setShape(s)]),
    )
  )
    return null;
  const fingerprint = fingerprintOf(table, next);
  const old = previousFingerprint;
  if (fingerprint === old) return { script: '', fingerprint };
  const lines: string[] = [];
  next.sets.forEach((s, k) => {
    const before = previous.sets[k];
    if (s.elements && !sameJson(s.elements, before.elements)) lines.push(...elementLines(table, before, s));
  });
  const changed = next.chains.filter((c, k) => !sameJson(c.rules, previous.chains[k].rules));
  for (const c of changed) lines.push(`flush chain inet ${table} ${c.name}`);
  lines.push(`delete chain inet ${table} ${FINGERPRINT_PREFIX}${old}`);
  lines.push(`table inet ${table} {`, ...fingerprintChain(fingerprint), ...changed.flatMap(chainBlock), '}');
  return { script: `${lines.join('\n')}\n`, fingerprint };
}
