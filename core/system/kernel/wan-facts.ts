// What the kernel shows of a WAN's device, read as the WAN's facts: link flags, first address, gateway (wan-facts6.ts: the IPv6 side).
import type { WanConfig } from '../../../config/schema/schema.ts';
import type { ForeignDefault, LinkState } from './adapter.ts';

export interface WanFacts {
  present: boolean;
  adminUp: boolean;
  carrier: boolean;
  pointToPoint: boolean;
  address?: string;
  prefixLength?: number;
  gateway: string | null;
  gatewaySource: 'config' | 'route' | 'point-to-point' | 'none';
}

/** The gateway of the lowest-metric foreign default route on `device` (main table first), of either family. */
export function defaultVia(defaults: ForeignDefault[], device: string): string | undefined {
  return defaults
    .filter((d) => d.dev === device && d.via)
    .sort((a, b) => Number(b.table === 254) - Number(a.table === 254) || (a.metric ?? 0) - (b.metric ?? 0))[0]?.via;
}

/** Picks the gateway: configured, else the one of the device's default route (`defaultVia`). */
export function discoverGateway(
  cfg: WanConfig,
  link: LinkState | undefined,
  defaults: ForeignDefault[],
): Pick<WanFacts, 'gateway' | 'gatewaySource'> {
  if (cfg.gateway !== 'auto') return { gateway: cfg.gateway, gatewaySource: 'config' };
  if (link?.pointToPoint) return { gateway: null, gatewaySource: 'point-to-point' };
  const via = defaultVia(defaults, cfg.device);
  return via ? { gateway: via, gatewaySource: 'route' } : { gateway: null, gatewaySource: 'none' };
}

/** What the WAN's device shows (all false without it: not observed yet, or gone). */
export function factsFromLink(cfg: WanConfig, link: LinkState | undefined, defaults: ForeignDefault[]): WanFacts {
  const first = link?.addresses[0];
  return {
    present: Boolean(link),
    adminUp: link?.adminUp ?? false,
    carrier: link?.carrier ?? false,
    pointToPoint: link?.pointToPoint ?? false,
    address: first?.address,
    prefixLength: first?.prefixLength,
    ...discoverGateway(cfg, link, defaults),
  };
}
