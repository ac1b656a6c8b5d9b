// IPv6 addresses and prefixes as 8 groups (no zone, no embedded IPv4): checks, networks and RFC 5952 text for config and plugins.

/** The 8 groups of an IPv6 address written in hex (`::` allowed once), or undefined when it is not one. */
export function ipv6Groups(text: string): number[] | undefined {
  if (typeof text !== 'string' || text.length > 39 || !/^[0-9A-Fa-f:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string): string[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    return groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g)) ? groups : undefined;
  };
  const left = part(halves[0]);
  const right = halves.length === 2 ? part(halves[1]) : [];
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...left, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
}

export const isIPv6Address = (text: string): boolean => ipv6Groups(text) !== undefined;

/** `addr/len` split and checked (a network: no host bits set), or a reason it is not one. */
export function prefixGroups6(text: string): { groups: number[]; length: number } | { problem: string } {
  const [addr, len, extra] = typeof text === 'string' ? text.split('/') : [];
  const groups = addr === undefined ? undefined : ipv6Groups(addr);
  if (!groups || extra !== undefined || len === undefined || !/^\d{1,3}$/.test(len) || Number(len) > 128)
    return { problem: 'expected an IPv6 prefix such as 2001:db8:1:100::/64' };
  const length = Number(len);
  for (let bit = length; bit < 128; bit++)
    if ((groups[bit >> 4] >> (15 - (bit & 15))) & 1)
      return { problem: `host bits are set after /${length}; write the network, e.g. ${networkOf(groups, length)}` };
  return { groups, length };
}

/** The network `groups/length` in the form `ip` prints (RFC 5952, lower case, the longest zero run as `::`). */
export function networkOf(groups: number[], length: number): string {
  const masked = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, length - 16 * i));
    return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff;
  });
  return `${formatGroups(masked)}/${length}`;
}

/** RFC 5952 text of 8 groups. */
export function formatGroups(groups: number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** An interface identifier: the upper 64 bits are zero (`::5`), the host part of an address in any /64. */
export function isInterfaceId(groups: number[]): boolean {
  return groups.slice(0, 4).every((g) => g === 0) && groups.slice(4).some((g) => g !== 0);
}

/**
 * A host's address in `prefix64` (a /64): `host` itself when it is a whole address, or the /64 joined with `host`
 * when that is an interface identifier (`::5`); undefined when either is not IPv6 or the prefix is not a /64.
 */
export function hostInPrefix64(host: string, prefix64: string | undefined): string | undefined {
  const g = ipv6Groups(host);
  if (!g) return undefined;
  if (!isInterfaceId(g)) return formatGroups(g);
  const [addr, len] = prefix64?.split('/') ?? [];
  const net = addr === undefined ? undefined : ipv6Groups(addr);
  if (!net || len !== '64') return undefined;
  return formatGroups([...net.slice(0, 4), ...g.slice(4)]);
}
