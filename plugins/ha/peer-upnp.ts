// The UPnP leases over the peer channel: the master's (from upnp.leases) told to the peer, and a backup's copy checked and published (ha.peerUpnp).
import { z } from 'zod';
import { ipv4ToInt, isIPv4, type MwanEvents, type PluginContext } from '../../plugin-api/index.ts';

export type UpnpLease = MwanEvents['upnp.leases']['leases'][number];

/** Most leases one answer carries (the upnp plugin forwards at most 4096: plugins.upnp.maxMappings). */
export const MAX_PEER_LEASES = 4096;
/** Longest description (miniupnpd reads lease lines of 128 bytes; mwan writes at most 120). */
const MAX_DESCRIPTION = 120;
/** Longest remaining lease: miniupnpd keeps an end as a 32-bit Unix time. */
const MAX_REMAINING = 0xffff_ffff;
/** A copy is published again at least this often even when nothing changed (the ends move on). */
const REPUBLISH_MS = 5000;

const port = z.number().int().min(1).max(65535);

/** One lease as the peer channel carries it: the end as seconds from now (null: none), so the clocks need not agree. */
export const peerLeaseSchema = z.strictObject({
  proto: z.enum(['tcp', 'udp']),
  externalPort: port,
  address: z.string().max(15).refine(isIPv4, 'expected an IPv4 address'),
  port,
  remainingSeconds: z.number().int().min(1).max(MAX_REMAINING).nullable(),
  description: z
    .string()
    .max(MAX_DESCRIPTION)
    .regex(/^[\x20-\x7e]*$/, 'expected printable ASCII'),
});
export type PeerLease = z.output<typeof peerLeaseSchema>;

export const peerLeasesSchema = z.array(peerLeaseSchema).max(MAX_PEER_LEASES);

/** Whether `address` is inside one of `networks` (`a.b.c.d/len`). */
function inside(address: string, networks: string[]): boolean {
  const a = ipv4ToInt(address);
  return networks.some((n) => {
    const [base, len] = n.split('/');
    if (!isIPv4(base)) return false;
    const size = 2 ** (32 - Number(len));
    const first = Math.floor(ipv4ToInt(base) / size) * size;
    return a >= first && a < first + size;
  });
}

/** The leases as told to the peer: ended ones left out, at most MAX_PEER_LEASES. */
export function leasesForPeer(leases: UpnpLease[], nowSec: number): PeerLease[] {
  return leases
    .filter((l) => l.expires === 0 || l.expires > nowSec)
    .slice(0, MAX_PEER_LEASES)
    .map((l) => ({
      proto: l.proto,
      externalPort: l.externalPort,
      address: l.address,
      port: l.port,
      remainingSeconds: l.expires === 0 ? null : Math.min(MAX_REMAINING, l.expires - nowSec),
      description: l.description,
    }));
}

/** The peer's leases with ends on this node's clock; those whose host is in none of `lanNetworks` are refused. */
export function leasesFromPeer(
  leases: PeerLease[],
  lanNetworks: string[],
  nowSec: number,
): { leases: UpnpLease[]; refused: string[] } {
  const refused: string[] = [];
  const ok = leases.flatMap((l) => {
    if (!inside(l.address, lanNetworks)) {
      refused.push(`${l.proto} ${l.externalPort} → ${l.address}:${l.port}: the host is in no LAN network`);
      return [];
    }
    const expires = l.remainingSeconds === null ? 0 : nowSec + l.remainingSeconds;
    const { remainingSeconds: _, ...rest } = l;
    return [{ ...rest, expires }];
  });
  return { leases: ok, refused };
}

/** Keeps this node's latest leases (upnp.leases) for the peer, and publishes the master's copy on a backup. */
export class UpnpRelay {
  private own: UpnpLease[] | undefined;
  private published = { key: '', at: 0 };
  private refusedKey = '';

  constructor(
    private readonly ctx: Pick<PluginContext, 'bus' | 'log' | 'world'>,
    private readonly peer: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /**
   * Follows the upnp plugin's leases; returns the unsubscribe. A role change forgets them: a new master tells only what
   * its own miniupnpd restored (not what it held in an earlier term), a backup tells nothing.
   */
  listen(): () => void {
    const offLeases = this.ctx.bus.on(
      'upnp.leases',
      ({ leases }) => {
        this.own = leases;
      },
      'ha',
    );
    const offRole = this.ctx.bus.on(
      'ha.role',
      () => {
        this.own = undefined;
      },
      'ha',
    );
    return () => {
      offLeases();
      offRole();
    };
  }

  /** What this node tells its peer (undefined: its upnp plugin has told nothing yet). */
  forPeer(): PeerLease[] | undefined {
    return this.own && leasesForPeer(this.own, Math.floor(this.nowMs() / 1000));
  }

  /**
   * The master's leases, received by this backup: checked and published when they changed (or every few seconds).
   * Returns how many passed.
   */
  received(leases: PeerLease[]): number {
    const nowSec = Math.floor(this.nowMs() / 1000);
    const lanNetworks = this.ctx.world().lans.flatMap((l) => l.networks);
    const r = leasesFromPeer(leases, lanNetworks, nowSec);
    const refusedKey = r.refused.join('\n');
    if (refusedKey && refusedKey !== this.refusedKey)
      this.ctx.log.warn(
        { peer: this.peer, refused: r.refused },
        `HA: refused ${r.refused.length} UPnP lease(s) of peer ${this.peer}`,
      );
    this.refusedKey = refusedKey;
    const key = r.leases
      .map((l) => `${l.proto}:${l.externalPort}:${l.address}:${l.port}:${l.expires === 0}:${l.description}`)
      .join('\n');
    const now = this.nowMs();
    if (key === this.published.key && now - this.published.at < REPUBLISH_MS) return r.leases.length;
    this.published = { key, at: now };
    this.ctx.bus.emit('ha.peerUpnp', { peer: this.peer, leases: r.leases });
    return r.leases.length;
  }
}
