// RFC 8978/9096 flash renumbering: a /64 that mwan advertised and no longer does (renumbered, gone) stays advertised, deprecated, until its valid lifetime runs out.
import type { AdvertisedPrefix, RaPlan } from './radvd-conf.ts';

/**
 * The longest a stale /64 is advertised: two hours. Hosts following RFC 4862 5.5.3 e) (Linux among them) never cut an
 * address's remaining valid lifetime below two hours from an RA, so a longer countdown would only keep the old
 * prefix on the LAN longer, and a host that honours small lifetimes (RFC 8978) drops it as the countdown ends.
 */
export const STALE_LIMIT_SECONDS = 7200;

/** One /64 on one LAN: what the last RA said (`advertised`) or a stale one and when it expires (ms since the epoch). */
export interface RememberedPrefix {
  device: string;
  prefix: string;
  wan: string;
  validLifetime: number;
}
export interface StalePrefix {
  device: string;
  prefix: string;
  wan: string;
  expiresAt: number;
}
/** What the ra plugin remembers between rewrites and across daemon restarts (plugins/ra/memory.ts keeps it on disk). */
export interface RaMemory {
  advertised: RememberedPrefix[];
  stale: StalePrefix[];
}

/** How often radvd.conf is rewritten while stale /64s are advertised, so their valid lifetime counts down. */
export const STALE_TICK_MS = 60_000;

export const EMPTY_MEMORY: RaMemory = { advertised: [], stale: [] };

const key = (p: { device: string; prefix: string }): string => `${p.device} ${p.prefix}`;

/** The current (not stale) prefixes of a plan, per LAN device. */
export function currentPrefixes(plan: RaPlan): RememberedPrefix[] {
  return plan.interfaces.flatMap((i) =>
    i.prefixes
      .filter((p) => !p.stale)
      .map((p) => ({ device: i.device, prefix: p.prefix, wan: p.wan, validLifetime: p.validLifetime })),
  );
}

/**
 * The memory after advertising `current` at `now`: what was advertised and is no longer turns stale (expiring after
 * its last valid lifetime, at most two hours); a stale /64 advertised again, or expired, is forgotten.
 */
export function nextMemory(prev: RaMemory, current: RememberedPrefix[], now: number): RaMemory {
  const live = new Set(current.map(key));
  const stale = new Map<string, StalePrefix>();
  for (const s of prev.stale) if (!live.has(key(s)) && s.expiresAt > now) stale.set(key(s), s);
  for (const a of prev.advertised) {
    if (live.has(key(a)) || stale.has(key(a))) continue;
    const seconds = Math.min(a.validLifetime, STALE_LIMIT_SECONDS);
    stale.set(key(a), { device: a.device, prefix: a.prefix, wan: a.wan, expiresAt: now + seconds * 1000 });
  }
  return { advertised: current, stale: [...stale.values()] };
}

/** The plan with the stale /64s of its LANs added (not those it advertises as current): preferred lifetime 0, the valid lifetime that remains (≥ 1 s). */
export function withStale(plan: RaPlan, stale: StalePrefix[], now: number): RaPlan {
  return {
    ...plan,
    interfaces: plan.interfaces.map((i) => ({
      device: i.device,
      prefixes: [
        ...i.prefixes,
        ...stale
          // Current again (a restart before the first reconcile): advertised as current only.
          .filter((s) => s.device === i.device && s.expiresAt > now && !i.prefixes.some((p) => p.prefix === s.prefix))
          .map(
            (s): AdvertisedPrefix => ({
              prefix: s.prefix,
              wan: s.wan,
              preferredLifetime: 0,
              validLifetime: Math.max(1, Math.ceil((s.expiresAt - now) / 1000)),
              stale: true,
            }),
          ),
      ],
    })),
  };
}

/** When the next stale /64 expires (ms since the epoch), if any: the plugin rewrites radvd.conf then. */
export function nextExpiry(memory: RaMemory): number | undefined {
  return memory.stale.length ? Math.min(...memory.stale.map((s) => s.expiresAt)) : undefined;
}
