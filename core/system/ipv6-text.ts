// IPv6 addresses as text: 32 hex digits to compare any two spellings, and the one canonical form `ip` prints (RFC 5952).
import net from 'node:net';

/** An IPv6 address as 32 lowercase hex digits (its 16 bytes), so differently written forms compare equal. */
export function ipv6Hex(addr: string): string {
  if (!net.isIPv6(addr)) throw new Error(`not an IPv6 address: ${JSON.stringify(addr)}`);
  let text = addr.toLowerCase().replace(/%.*$/, '');
  // A trailing dotted IPv4 part (::ffff:192.0.2.1) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.padStart(4, '0')).join('');
}

/**
 * The address as RFC 5952 writes it and `ip` prints it: lowercase, no leading zeros, the longest run of two or more
 * zero groups (the first of equal runs) as `::`. IPv4-mapped addresses are left in hex groups (::ffff:c000:201).
 */
export function canonicalIPv6(addr: string): string {
  const hex = ipv6Hex(addr);
  const groups = Array.from({ length: 8 }, (_, i) => Number.parseInt(hex.slice(4 * i, 4 * i + 4), 16).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** `addr[/len]` with the address canonical and a host length (/128) left out, as `ip` prints prefixes. */
export function canonicalPrefix6(prefix: string): string {
  const [addr, len, extra] = prefix.split('/');
  if (extra !== undefined) throw new Error(`not an IPv6 prefix: ${JSON.stringify(prefix)}`);
  if (len === undefined || len === '128') return canonicalIPv6(addr);
  const n = Number(len);
  if (!/^\d{1,3}$/.test(len) || n > 128) throw new Error(`bad IPv6 prefix length in ${JSON.stringify(prefix)}`);
  return `${canonicalIPv6(addr)}/${n}`;
}
