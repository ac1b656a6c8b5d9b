// The table as one nft block, and its fingerprint (the hash of that block) that makes a second apply a no-op.
import { createHash } from 'node:crypto';
import type { ChainSpec, NftDesired, SetSpec } from './desired.ts';

export const FINGERPRINT_PREFIX = 'fingerprint_';

export function chainBody(c: ChainSpec): string[] {
  const lines: string[] = [];
  if (c.base)
    lines.push(
      `type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority}; policy ${c.base.policy ?? 'accept'};`,
    );
  lines.push(...c.rules);
  return lines;
}

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
  if (fingerprint) out.push(`\tchain ${FINGERPRINT_PREFIX}${fingerprint} {`, '\t}');
  for (const c of nft.chains) out.push(`\tchain ${c.name} {`, ...chainBody(c).map((l) => `\t\t${l}`), '\t}');
  out.push('}');
  return out.join('\n');
}

export function fingerprintOf(table: string, nft: NftDesired): string {
  return createHash('sha256').update(renderTableBlock(table, nft)).digest('hex').slice(0, 16);
}
