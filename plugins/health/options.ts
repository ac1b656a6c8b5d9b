// Health-monitoring settings: their schema, the defaults (and why), and the resolution of global + per-WAN values.
import { z } from 'zod';

/**
 * Defaults, chosen for two probe targets per WAN (docs/health.md, "Why these defaults", has the arithmetic):
 * a round every 100 ms; a target fails a round when no answer comes within 200 ms; a round fails when fewer than
 * `quorum` targets answer. Four failed rounds in a row take the WAN out (0.5–0.6 s after the cut); twenty good
 * rounds bring it back (about 2 s), three after a link loss shorter than `blipSeconds` (about 0.3 s) unless it
 * flaps. With 10 % independent loss a round fails with p = 0.01, four in a row with p = 1e-8.
 * Flap damping (BGP's route-flap damping): each time the WAN leaves service it earns `flapPenalty`, which halves
 * every `flapHalfLifeSeconds`; at `flapSuppress` it is held out of service until the penalty decays below
 * `flapReuse` (at most `flapMaxHoldSeconds` after its last flap).
 */
export const DEFAULT_HEALTH = {
  intervalMs: 100,
  timeoutMs: 200,
  quorum: 1,
  downAfter: 4,
  upAfter: 20,
  upAfterBlip: 3,
  blipSeconds: 10,
  flapPenalty: 1000,
  flapSuppress: 2000,
  flapReuse: 750,
  flapHalfLifeSeconds: 60,
  flapMaxHoldSeconds: 900,
  windowRounds: 100,
  lossHighPct: 20,
  lossLowPct: 10,
  latencyHighMs: 500,
  latencyLowMs: 250,
  trigger: 'down' as 'down' | 'loss' | 'latency' | 'loss-or-latency',
  flushConntrack: true,
  moveBack: false,
  longDownSeconds: 120,
};

export type HealthSettings = typeof DEFAULT_HEALTH;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const healthShape = {
  intervalMs: int(20, 60000),
  timeoutMs: int(10, 60000),
  quorum: int(1, 16),
  downAfter: int(1, 1000),
  upAfter: int(1, 1000),
  upAfterBlip: int(1, 1000),
  blipSeconds: z.number().min(0).max(86400),
  flapPenalty: z.number().min(0).max(1e6),
  flapSuppress: z.number().min(1).max(1e7),
  flapReuse: z.number().min(1).max(1e7),
  flapHalfLifeSeconds: z.number().min(0.1).max(86400),
  flapMaxHoldSeconds: z.number().min(1).max(86400),
  windowRounds: int(1, 10000),
  lossHighPct: z.number().min(0).max(100),
  lossLowPct: z.number().min(0).max(100),
  latencyHighMs: z.number().min(0),
  latencyLowMs: z.number().min(0),
  trigger: z.enum(['down', 'loss', 'latency', 'loss-or-latency']),
  flushConntrack: z.boolean(),
  moveBack: z.boolean(),
  longDownSeconds: z.number().min(0),
};

/** Every field optional: global `health` and per-WAN `wans[].health` override the defaults in that order. */
export const healthSchema = z.strictObject(healthShape).partial();

export function resolveHealth(
  global: Partial<HealthSettings> | undefined,
  wan: Partial<HealthSettings> | undefined,
): HealthSettings {
  return { ...DEFAULT_HEALTH, ...global, ...wan };
}

/** Problems with a resolved set of settings, as [field, message] pairs. */
export function healthProblems(h: HealthSettings, targets: number): [string, string][] {
  const out: [string, string][] = [];
  if (h.lossLowPct > h.lossHighPct) out.push(['lossLowPct', `must not exceed lossHighPct (${h.lossHighPct})`]);
  if (h.latencyLowMs > h.latencyHighMs)
    out.push(['latencyLowMs', `must not exceed latencyHighMs (${h.latencyHighMs})`]);
  if (h.flapReuse > h.flapSuppress) out.push(['flapReuse', `must not exceed flapSuppress (${h.flapSuppress})`]);
  if (h.upAfterBlip > h.upAfter) out.push(['upAfterBlip', `must not exceed upAfter (${h.upAfter})`]);
  if (targets > 0 && h.quorum > targets)
    out.push(['quorum', `is ${h.quorum} but the WAN has only ${targets} probe target(s)`]);
  return out;
}
