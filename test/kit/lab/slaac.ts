// SLAAC on a lab LAN host: take addresses from router advertisements with a fixed identifier, and read which are deprecated.
import type { Lab } from './topology.ts';

/** The host accepts RAs and autoconfigures on eth0, with `token` (`::5`) as its interface identifier in every prefix. */
export async function enableSlaac(lab: Lab, ns: string, token: string): Promise<void> {
  await lab.exec(ns, ['ip', 'token', 'set', token, 'dev', 'eth0']);
  await lab.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.accept_ra=1', 'net.ipv6.conf.eth0.autoconf=1']);
}

/** The host's global addresses on eth0: address → deprecated? */
export async function hostAddresses(lab: Lab, ns: string): Promise<Map<string, boolean>> {
  const out = (await lab.exec(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
  const seen = new Map<string, boolean>();
  for (const line of out.split('\n')) {
    const m = /inet6 ([0-9a-f:]+)\/\d+/.exec(line);
    if (m) seen.set(m[1], /\bdeprecated\b/.test(line));
  }
  return seen;
}

/** Whether `addr` is on the host and preferred (`'preferred'`) or deprecated (`'deprecated'`). */
export async function addressIs(
  lab: Lab,
  ns: string,
  addr: string,
  state: 'preferred' | 'deprecated',
): Promise<boolean> {
  return (await hostAddresses(lab, ns)).get(addr) === (state === 'deprecated');
}

/** The router's IPv6 rules, routes of every table (link-local and kernel-made ones left out) and IPv6 sysctls. */
export async function router6Snapshot(lab: Lab, devices: string[]): Promise<string> {
  const run = async (argv: string[]) => (await lab.exec(lab.ns.router, argv)).stdout;
  const routes = (await run(['ip', '-6', 'route', 'show', 'table', 'all']))
    .split('\n')
    .filter((l) => !/fe80::|^local |^multicast |^anycast /.test(l))
    .join('\n');
  return [
    await run(['ip', '-6', 'rule', 'show']),
    routes,
    await run(['sysctl', 'net.ipv6.conf.all.forwarding', ...devices.map((d) => `net.ipv6.conf.${d}.accept_ra`)]),
  ].join('\n## \n');
}
