// Reads DHCP leases for `mwanctl init`: dhclient's /var/lib/dhcp/*.leases and systemd-networkd's /run/systemd/netif/leases/IFINDEX.

/** A lease: the interface it is for and the router (gateway) it offered. */
export interface Lease {
  device: string;
  router?: string;
}

/** dhclient's lease file: `lease { interface "eth1"; option routers 100.64.1.1; … }` blocks; the last per interface wins. */
export function parseDhclientLeases(text: string): Lease[] {
  const byDevice = new Map<string, Lease>();
  for (const block of text.split(/^lease\s*\{/m).slice(1)) {
    const device = /^\s*interface\s+"([^"]+)"\s*;/m.exec(block)?.[1];
    if (!device) continue;
    const router = /^\s*option\s+routers\s+([0-9.]+)/m.exec(block)?.[1];
    byDevice.set(device, { device, router });
  }
  return [...byDevice.values()];
}

/** systemd-networkd's lease file (KEY=VALUE lines); its name is the interface index, resolved by the caller. */
export function parseNetworkdLease(text: string, device: string): Lease {
  const router = /^ROUTER=([0-9.]+)/m.exec(text)?.[1];
  return { device, router };
}
