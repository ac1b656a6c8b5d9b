// Writes elements of one of mwan's run-time maps in one `nft -f` transaction (learned choices, with timeouts).
import { isIPv6 } from 'node:net';
import { OBJECT_NAME, isIPv4 } from '../../../config/schema/validators.ts';
import { canonicalIPv6 } from '../ipv6-text.ts';
import { execaRunner, type Runner } from '../process/runner.ts';

export interface MapElement {
  key: string;
  mark: number;
  timeoutSeconds: number;
}

const MAP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function check(table: string, map: string, keys: string[]): void {
  if (!OBJECT_NAME.test(table) || !MAP_NAME.test(map)) throw new Error(`bad nft table or map name: ${table} ${map}`);
  for (const key of keys)
    if (!isIPv4(key) && !(isIPv6(key) && !key.includes('%')))
      throw new Error(`not an IPv4 or IPv6 key: ${JSON.stringify(key)}`);
}

/** A key as nft prints it (IPv6 in RFC 5952 form), so keys written and keys listed compare equal. */
const sameAsNft = (key: string) => (key.includes(':') ? canonicalIPv6(key) : key);

/**
 * The nft script: delete the keys that go or change (only those present: nft 1.0.6 fails a transaction that
 * deletes a missing element, and refuses to add a present key with another value), then add the new ones.
 */
export function mapUpdateScript(
  table: string,
  map: string,
  add: MapElement[],
  remove: string[],
  present: Set<string>,
): string {
  check(table, map, [...remove, ...add.map((e) => e.key)]);
  remove = remove.map(sameAsNft);
  add = add.map((e) => ({ ...e, key: sameAsNft(e.key) }));
  const gone = [...new Set([...remove, ...add.map((e) => e.key)])].filter((k) => present.has(k));
  const lines: string[] = [];
  if (gone.length) lines.push(`delete element inet ${table} ${map} { ${gone.join(', ')} }`);
  if (add.length)
    lines.push(
      `add element inet ${table} ${map} { ${add.map((e) => `${e.key} timeout ${Math.max(1, Math.round(e.timeoutSeconds))}s : 0x${e.mark.toString(16)}`).join(', ')} }`,
    );
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The keys a map holds now (`nft -j list map`). */
export function parseMapKeys(json: string): Set<string> {
  const items = (JSON.parse(json) as { nftables: Record<string, { elem?: unknown[] }>[] }).nftables;
  const elems = items.flatMap((i) => i.map?.elem ?? []);
  const keyOf = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (Array.isArray(e)) return keyOf(e[0]);
    const o = e as { elem?: { val?: unknown } } | undefined;
    return o?.elem ? keyOf(o.elem.val) : undefined;
  };
  return new Set(elems.flatMap((e) => keyOf(e) ?? []).map(sameAsNft));
}

/** Applies the change; an element that expired between the listing and the write makes it list and try once more. */
export async function updateMap(
  table: string,
  map: string,
  add: MapElement[],
  remove: string[],
  run: Runner = execaRunner,
): Promise<void> {
  check(table, map, []);
  for (let attempt = 0; ; attempt++) {
    const listed = await run(['nft', '-j', 'list', 'map', 'inet', table, map]);
    const script = mapUpdateScript(table, map, add, remove, parseMapKeys(listed.stdout));
    if (!script) return;
    const r = await run(['nft', '-f', '-'], { input: script, allowFailure: attempt === 0 });
    if (r.exitCode === 0) return;
  }
}
