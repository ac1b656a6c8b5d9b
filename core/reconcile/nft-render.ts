// Renders the desired nft objects into one `nft -f` transaction on mwan's own table, preserving counters and run-time sets.
import type { NftDesired } from './desired.ts';
import { baseChanged, fingerprintOf, holdsTable, renderTableBlock } from './nft-table-block.ts';
import type { CurrentNft } from '../system/kernel/nft-read.ts';
import { renderNftDelta } from './nft-delta.ts';

export interface NftPlan {
  /** Empty when the kernel already holds the table. */
  script: string;
  fingerprint: string;
}

/**
 * With `previous` (what the last apply rendered) and a kernel that still holds it, only what changed (./nft-delta.ts).
 * Otherwise one atomic script: flush the table's rules, delete objects no longer wanted (or whose hook changed),
 * refill static sets, then add everything back. Counters and sets without static elements keep their contents.
 */
export function renderNft(
  table: string,
  nft: NftDesired,
  current: CurrentNft | null,
  previous?: { nft: NftDesired; fingerprint: string },
): NftPlan {
  const delta = previous && current ? renderNftDelta(table, nft, previous.nft, current, previous.fingerprint) : null;
  if (delta) return delta;
  const fingerprint = fingerprintOf(table, nft);
  if (current && holdsTable(nft, current, fingerprint)) return { script: '', fingerprint };
  const lines: string[] = [];
  if (current) {
    lines.push(`flush table inet ${table}`);
    const wanted = new Map(nft.chains.map((c) => [c.name, c]));
    for (const [name, cur] of current.chains) {
      const want = wanted.get(name);
      if (!want || baseChanged(want, cur)) lines.push(`delete chain inet ${table} ${name}`);
    }
    const wantedSets = new Map(nft.sets.map((s) => [s.name, s]));
    for (const name of current.sets) {
      const want = wantedSets.get(name);
      if (!want) lines.push(`delete set inet ${table} ${name}`);
      else if (want.elements) lines.push(`flush ${want.kind} inet ${table} ${name}`);
    }
    for (const name of current.counters.keys())
      if (!nft.counters.includes(name)) lines.push(`delete counter inet ${table} ${name}`);
  }
  lines.push(renderTableBlock(table, nft, fingerprint));
  return { script: `${lines.join('\n')}\n`, fingerprint };
}

/** Removes the whole table (mwan owns all of it). */
export function removalNft(table: string, exists: boolean): string {
  return exists ? `delete table inet ${table}\n` : '';
}
