// FNV-1a, 32 bit: the hash that gives a name its preferred slot (WAN ids, NFQUEUE tags) whatever the other names are.

/** FNV-1a, 32 bit: a name's preferred id does not depend on the other WANs or their order. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(text, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
