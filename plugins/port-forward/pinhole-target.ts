// A forward's IPv6 host (`forwards[].to6`): which addresses a pinhole may open (the firewall renders the pinholes).
import { ipv6Groups, isInterfaceId } from '../../plugin-api/index.ts';

/** Why `to6` cannot be a pinhole's host (undefined: it can): multicast, link-local, unspecified or not IPv6. */
export function pinholeTargetProblem(to6: string): string | undefined {
  const g = ipv6Groups(to6);
  if (!g) return 'not an IPv6 address';
  if (isInterfaceId(g)) return undefined;
  if (g.every((x) => x === 0)) return 'the unspecified address';
  if ((g[0] & 0xff00) === 0xff00) return 'a multicast address';
  if ((g[0] & 0xffc0) === 0xfe80) return 'a link-local address';
  return undefined;
}
