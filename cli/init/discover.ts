// Looks at the machine for `mwanctl init`: links and their addresses, default routes in every table, DHCP leases.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ForeignDefault, LinkState } from '../../core/system/kernel/adapter.ts';
import { SystemKernel } from '../../core/system/kernel/system-adapter.ts';
import { execaRunner, type Runner } from '../../core/system/process/runner.ts';
import { parseDhclientLeases, parseNetworkdLease, type Lease } from './leases.ts';

export interface Machine {
  links: LinkState[];
  defaults: ForeignDefault[];
  leases: Lease[];
}

export const LEASE_PLACES = { dhclient: '/var/lib/dhcp', networkd: '/run/systemd/netif/leases' };

/** Lease files are small; a larger one is not read. */
const MAX_LEASE_BYTES = 256 * 1024;

async function readSmall(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text !== undefined && text.length <= MAX_LEASE_BYTES ? text : undefined;
}

/** The leases found (none when the places do not exist); `ifnames` maps interface indexes to names (networkd). */
export async function readLeases(ifnames: Map<number, string>, places = LEASE_PLACES): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (const f of (await readdir(places.dhclient).catch(() => [] as string[])).filter((n) => n.endsWith('.leases'))) {
    const text = await readSmall(path.join(places.dhclient, f));
    if (text) leases.push(...parseDhclientLeases(text));
  }
  for (const f of (await readdir(places.networkd).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n))) {
    const device = ifnames.get(Number(f));
    const text = device ? await readSmall(path.join(places.networkd, f)) : undefined;
    if (device && text) leases.push(parseNetworkdLease(text, device));
  }
  return leases;
}

/** The machine as the daemon reads it (`ip -json`), plus leases; mwan's own routes (protocol 249) are left out. */
export async function discoverMachine(run: Runner = execaRunner): Promise<Machine> {
  const own = {
    routeProtocol: 249,
    priorityRange: [0, 0] as [number, number],
    tableRange: [0, 0] as [number, number],
    nftTable: 'mwan',
  };
  const observed = await new SystemKernel(run).observe(own);
  const { stdout } = await run(['ip', '-json', 'link', 'show']);
  const ifnames = new Map(
    (JSON.parse(stdout || '[]') as { ifindex: number; ifname: string }[]).map((l) => [l.ifindex, l.ifname]),
  );
  const present = new Set(observed.links.map((l) => l.name));
  // Leases of interfaces this machine (or namespace) does not have are stale: left out.
  const leases = (await readLeases(ifnames)).filter((l) => present.has(l.device));
  return { ...observed, leases };
}
