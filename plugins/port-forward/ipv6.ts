// Port forwards over IPv6 (issue 13, ipv6.mode npt): `forwards[].to6`, a LAN host's IPv6 address, reached as `dnat ip6 to` on the router's IPv6 WAN addresses.
import { inPrefix6, isIPv6Address, parsePrefix6, type WorldView } from '../../plugin-api/index.ts';

/** `fd00:77::5` or `[fd00:77::5]:8080` as `{ address, port? }`; undefined when malformed. */
export function forwardTarget6(to6: string): { address: string; port?: number } | undefined {
  const m = /^\[([^\]]+)\](?::([1-9][0-9]{0,4}))?$/.exec(to6);
  const address = m ? m[1] : to6;
  if (!isIPv6Address(address)) return undefined; // no zone, no embedded IPv4
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { address, port };
}

/** Why `to6` cannot be a forward's IPv6 target in this configuration (undefined: it can). */
export function forwardTarget6Problem(
  to6: string,
  lanPrefixes: string[],
  mode: string | undefined,
): string | undefined {
  const t = forwardTarget6(to6);
  if (!t) return 'expected an IPv6 LAN host, such as fd00:77::5 or [fd00:77::5]:8080';
  if (mode !== 'npt') return 'IPv6 forwards need ipv6.mode npt (with prefixes, LAN hosts have addresses of their own)';
  if (!lanPrefixes.some((p) => inPrefix6(t.address, parsePrefix6(p)!)))
    return `${t.address} is in no ipv6.lan prefix (${lanPrefixes.join(', ') || 'none'})`;
  return undefined;
}

/** The `dnat ip6 to` statement for a forward's IPv6 target. */
export function dnat6Statement(to6: string): string {
  const t = forwardTarget6(to6)!;
  return `dnat ip6 to ${t.port === undefined ? t.address : `[${t.address}]:${t.port}`}`;
}

/** Whether the forward has an IPv6 side the kernel can carry now (npt mode, a target inside a LAN prefix). */
export function forwards6(world: WorldView, f: { to6?: string }): boolean {
  const v6 = world.config.ipv6;
  return Boolean(f.to6) && forwardTarget6Problem(f.to6!, v6?.lan.map((l) => l.prefix) ?? [], v6?.mode) === undefined;
}
