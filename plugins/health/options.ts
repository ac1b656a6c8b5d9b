// Health-monitoring settings: their schema, the defaults (and why), and the resolution of global + per-WAN values.
import { z } from 'zod';

/**
 * Defaults, chosen for two probe targets per WAN (see "Health monitoring" in the README for the arithmetic):
 * a round every 150 ms; a target fails a round when no answer comes within 300 ms; a round fails when fewer than
 * `quorum` targets answer. Four failed rounds in a row take the WAN out (under 1 s); sixteen good rounds bring it
 * back (about 2.4 s). With 10 % independent loss a round fails with p = 0.01, four in a row with p = 1e-8.
 */
export const DEFAULT_HEALTH = {
  intervalMs: 150,
  timeoutMs: 300,
  quorum: 1,
  downAfter: 4,
  upAfter: 16,
  windowRounds: 66,
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
  if (targets > 0 && h.quorum > targets)
    out.push(['quorum', `is ${h.quorum} but the WAN has only ${targets} probe target(s)`]);
  return out;
}
