// UPnP in mwan's own table: each mapping becomes a port forward on every UPnP WAN, plus the WAN the instance serves.
import {
  dnatStatement,
  isIPv4,
  nftSet,
  portMatch,
  type RuleSpec,
  type WanView,
  type WorldView,
} from '../../plugin-api/index.ts';
import type { Mapping } from './mapping.ts';
import type { UpnpOptions } from './options.ts';

export const PREROUTING_CHAIN = 'upnp_prerouting';
export const POSTROUTING_CHAIN = 'upnp_postrouting';
/** Right after the static forwards (dstnat, -100): a static forward on the same port wins. */
export const UPNP_DSTNAT = -99;
export const UPNP_SRCNAT = 101;

/** The UPnP WANs in config order. */
export const upnpWans = (world: WorldView, names: string[]): WanView[] =>
  world.wans.filter((w) => names.includes(w.name));

/**
 * The WAN the instance should serve: among the UPnP WANs taking new connections (else those in service), the lowest
 * tier, then the highest weight, then config order. Undefined when none is in service.
 */
export function preferredWan(world: WorldView, names: string[]): WanView | undefined {
  const active = world.active.filter((w) => names.includes(w.name));
  const candidates = active.length ? active : upnpWans(world, names).filter((w) => w.inService);
  const order = (w: WanView) => world.wans.indexOf(w);
  return [...candidates].sort((a, b) => a.tier - b.tier || b.weight - a.weight || order(a) - order(b))[0];
}

/** A mapping as a static forward would be written (`to` is `address:port`). */
export const mappingForward = (m: Mapping) => ({ port: m.externalPort, proto: m.proto, to: `${m.address}:${m.port}` });

/**
 * DNAT per mapping for connections arriving on any UPnP WAN addressed to the router, and (hairpin) for LAN clients
 * connecting to one of those WANs' addresses. Service state does not matter, as for static forwards.
 */
export function mappingDnatRules(mappings: Mapping[], wans: WanView[], lanDevices: string[]): string[] {
  if (wans.length === 0) return [];
  const addresses = wans.flatMap((w) => (w.address ? [w.address] : []));
  return mappings.flatMap((m) => {
    const f = mappingForward(m);
    const match = portMatch(m.proto, m.externalPort);
    const rules = [`iifname ${nftSet(wans.map((w) => w.device))} fib daddr type local ${match} ${dnatStatement(f)}`];
    if (lanDevices.length && addresses.length)
      rules.push(`iifname ${nftSet(lanDevices)} ip daddr ${nftSet(addresses, false)} ${match} ${dnatStatement(f)}`);
    return rules;
  });
}

/** Hairpin connections are masqueraded to the router's LAN address so the LAN host answers through the router. */
export function mappingHairpinRules(mappings: Mapping[], wans: WanView[], lanDevices: string[]): string[] {
  const addresses = [...new Set(wans.flatMap((w) => (w.address ? [w.address] : [])))];
  if (mappings.length === 0 || lanDevices.length === 0 || addresses.length === 0) return [];
  return [
    `iifname ${nftSet(lanDevices)} oifname ${nftSet(lanDevices)} ct status dnat ct original ip daddr ${nftSet(addresses, false)} masquerade`,
  ];
}

/**
 * The router's own STUN queries (from `lo`) to the STUN server leave by the served WAN, so the answer is that WAN's
 * public address. Only for a server given as an address; it takes the last plugin rule priority.
 */
export function stunRule(
  options: Pick<UpnpOptions, 'stun' | 'externalAddresses'>,
  world: WorldView,
  served: WanView | undefined,
): RuleSpec | undefined {
  if (!options.stun || !isIPv4(options.stun.host) || !served || options.externalAddresses[served.name])
    return undefined;
  return { priority: world.layout.pluginPriorities[1], to: options.stun.host, iif: 'lo', table: served.table };
}
