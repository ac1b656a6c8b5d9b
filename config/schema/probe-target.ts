// IPv6 probe targets in the configuration: `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443` (issue 13).
import net from 'node:net';

/** The IPv6 address and port of an IPv6 probe target; undefined when `target` is not one (IPv4, a name, bad text). */
export function probeTargetIPv6(target: string): { address: string; port?: number } | undefined {
  if (net.isIPv6(target)) return { address: target };
  const m = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(target);
  if (!m || !net.isIPv6(m[1])) return undefined;
  if (m[2] === undefined) return { address: m[1] };
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { address: m[1], port } : undefined;
}
