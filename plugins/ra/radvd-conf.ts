// What the LAN is told in router advertisements (`ipv6.mode: prefixes`), as data and as radvd.conf text.
import {
  RA_DEFAULTS,
  advertisedLans,
  inServiceFor,
  lanPrefixes6,
  type RaConfig,
  type WorldView,
} from '../../plugin-api/index.ts';

export interface AdvertisedPrefix {
  prefix: string;
  /** The WAN it belongs to. */
  wan: string;
  /** 0: deprecated (the WAN is out of service for IPv6): hosts keep it for existing connections, not new ones. */
  preferredLifetime: number;
  validLifetime: number;
  /** RFC 8978/9096: a /64 no longer delegated (renumbered or gone), advertised deprecated until it expires. */
  stale?: boolean;
}

export interface RaPlan {
  ra: RaConfig;
  /** One entry per LAN device, each advertising its /64 of every WAN (plugins/ra/stale.ts adds the stale ones). */
  interfaces: { device: string; prefixes: AdvertisedPrefix[] }[];
}

/** What mwan advertises now: null when it advertises nothing (not prefixes mode, or `ra.daemon: none`). */
export function raPlan(world: WorldView): RaPlan | null {
  const v6 = world.config.ipv6;
  if (v6?.mode !== 'prefixes') return null;
  const ra = v6.ra ?? RA_DEFAULTS;
  if (ra.daemon === 'none') return null;
  const interfaces = advertisedLans(world.config).map(({ device }) => ({ device, prefixes: [] as AdvertisedPrefix[] }));
  for (const w of world.wans) {
    // An auto prefix may be unknown yet: the WAN then gives nothing.
    for (const { device, prefix } of lanPrefixes6(world.config, w))
      interfaces
        .find((i) => i.device === device)
        ?.prefixes.push({
          prefix,
          wan: w.name,
          preferredLifetime: inServiceFor(w, 'ipv6') ? ra.preferredLifetimeSeconds : 0,
          validLifetime: ra.validLifetimeSeconds,
        });
  }
  return { ra, interfaces };
}

/** radvd's MinRtrAdvInterval: RFC 4861's 0.33 × max, but radvd wants at least 3 s (and at most 3/4 of max). */
export const minInterval = (max: number): number => Math.max(3, Math.floor(max / 3));

/**
 * radvd.conf for the plan. Names and addresses come from the validated configuration (device names, canonical
 * prefixes, checked RDNSS addresses), so nothing here can break out of a statement. `DeprecatePrefix on`: when mwan
 * stops radvd, its final RA deprecates every prefix (preferred 0) besides withdrawing the router (lifetime 0).
 * `DecrementLifetimes` stays off: mwan, not radvd, decides when a prefix is deprecated, and counts a stale prefix's
 * valid lifetime down itself (RFC 8978/9096).
 */
export function radvdConf(plan: RaPlan): string {
  const { ra } = plan;
  const lines = ['# Written by mwan (plugins/ra) from its configuration and WAN states; rewritten on every change.'];
  for (const i of plan.interfaces) {
    lines.push(`interface ${i.device} {`);
    lines.push('  AdvSendAdvert on;');
    lines.push(`  MinRtrAdvInterval ${minInterval(ra.maxIntervalSeconds)};`);
    lines.push(`  MaxRtrAdvInterval ${ra.maxIntervalSeconds};`);
    lines.push('  AdvDefaultPreference medium;');
    for (const p of i.prefixes) {
      const why = p.stale
        ? ', no longer delegated: stale'
        : p.preferredLifetime === 0
          ? ', out of service: deprecated'
          : '';
      lines.push(`  prefix ${p.prefix} {  # WAN ${p.wan}${why}`);
      lines.push('    AdvOnLink on;');
      lines.push('    AdvAutonomous on;');
      lines.push(`    AdvValidLifetime ${p.validLifetime};`);
      lines.push(`    AdvPreferredLifetime ${p.preferredLifetime};`);
      lines.push('    DeprecatePrefix on;');
      // Off for stale prefixes too: radvd (2.19) stops advertising a decrementing prefix whose preferred lifetime is 0.
      // mwan rewrites a stale prefix's remaining valid lifetime itself (plugins/ra/index.ts, every STALE_TICK_MS).
      lines.push('    DecrementLifetimes off;');
      lines.push('  };');
    }
    for (const dns of ra.rdnss) lines.push(`  RDNSS ${dns} {};`);
    lines.push('};');
  }
  return `${lines.join('\n')}\n`;
}
