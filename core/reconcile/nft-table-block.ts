// The table as one nft block, and its fingerprint (the hash of that block) that makes a second apply a no-op.
import { createHash } from 'node:crypto';
import type { ChainSpec, NftDesired, SetSpec } from './desired.ts';
import type { CurrentNft } from '../system/kernel/nft-read.ts';

export const FINGERPRINT_PREFIX = 'fingerprint_';

/** A chain as lines of the table block: its base (hook, priority, policy), then its rules. */
export function chainBlock(c: Pick<ChainSpec, 'name' | 'base' | 'rules'>): string[] {
  const base =
    c.base &&
    `type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority}; policy ${c.base.policy ?? 'accept'};`;
  return [`\tchain ${c.name} {`, ...[...(base ? [base] : []), ...c.rules].map((l) => `\t\t${l}`), '\t}'];
}

/** The empty chain whose name carries the table's fingerprint. */
export const fingerprintChain = (fingerprint: string): string[] =>
  chainBlock({ name: `${FINGERPRINT_PREFIX}${fingerprint}`, rules: [] });

function setBody(s: SetSpec): string[] {
  const lines = [`type ${s.type}`];
  if (s.flags?.length) lines.push(`flags ${s.flags.join(', ')}`);
  if (s.timeout) lines.push(`timeout ${s.timeout}`);
  if (s.elements?.length) lines.push(`elements = { ${s.elements.join(', ')} }`);
  return lines;
}

/** The table's content as one block; its hash is the fingerprint that makes a second apply a no-op. */
export function renderTableBlock(table: string, nft: NftDesired, fingerprint?: string): string {
  const out: string[] = [`table inet ${table} {`];
  for (const name of nft.counters) out.push(`\tcounter ${name} {`, '\t}');
  for (const s of nft.sets) out.push(`\t${s.kind} ${s.name} {`, ...setBody(s).map((l) => `\t\t${l}`), '\t}');
  if (fingerprint) out.push(...fingerprintChain(fingerprint));
  for (const c of nft.chains) out.push(...chainBlock(c));
  out.push('}');
  return out.join('\n');
}

export function fingerprintOf(table: string, nft: NftDesired): string {
  return createHash('sha256').update(renderTableBlock(table, nft)).digest('hex').slice(0, 16);
}

export function baseChanged(c: ChainSpec, cur: CurrentNft['chains'] extends Map<string, infer V> ? V : never): boolean {
  if (!c.base) return cur.hook !== undefined;
  return (
    cur.type !== c.base.type ||
    cur.hook !== c.base.hook ||
    cur.priority !== c.base.priority ||
    (cur.policy ?? 'accept') !== (c.base.policy ?? 'accept')
  );
}

/** Whether the kernel's table is exactly this block: its fingerprint chain, the same objects, hooks and rule counts. */
export function holdsTable(nft: NftDesired, current: CurrentNft, fingerprint: string): boolean {
  const wantedChains = new Set([...nft.chains.map((c) => c.name), `${FINGERPRINT_PREFIX}${fingerprint}`]);
  if (current.chains.size !== wantedChains.size) return false;
  for (const c of nft.chains) {
    const cur = current.chains.get(c.name);
    if (!cur || cur.rules !== c.rules.length || baseChanged(c, cur)) return false;
  }
  if (!current.chains.has(`${FINGERPRINT_PREFIX}${fingerprint}`)) return false;
  if (current.sets.size !== nft.sets.length || !nft.sets.every((s) => current.sets.has(s.name))) return false;
  return current.counters.size === nft.counters.length && nft.counters.every((n) => current.counters.has(n));
}
