// The per-WAN health state machine (pure): probe rounds in, online / degraded / offline verdicts with their reasons out.
import type { HealthSettings } from './options.ts';

export type Verdict = 'unknown' | 'online' | 'degraded' | 'offline';

/** One finished probe round: how many targets answered, and the mean RTT of those answers. */
export interface Round {
  answered: number;
  probed: number;
  rttMs: number | null;
  /** When the round's first probe was sent (ms since the epoch), when known. */
  sentAt?: number | null;
}

export interface VerdictState {
  verdict: Verdict;
  failStreak: number;
  okStreak: number;
  /** The last `windowRounds` rounds, for loss and latency. */
  window: Round[];
  /** Quality below the high thresholds and not yet back under the low ones (hysteresis). */
  poor: { loss: boolean; latency: boolean };
  /** Good rounds in a row this outage asks before the WAN returns (`upAfter` unless a short link loss set fewer). */
  need?: number;
  /** After a blip: the shortcut holds while failed rounds were sent before this (the loss + `blipSeconds`). */
  blipUntil?: number;
  /** While the link is lost: when it went, and whether the WAN was reachable then. */
  lost?: { at: number; reachable: boolean };
}

/** The verdict health publishes; whether the WAN is in service is the WAN registry's to derive from it. */
export interface Decision {
  verdict: Verdict;
  /** For a degraded verdict: whether the trigger level takes the WAN out of service (false for any other verdict). */
  outOfService: boolean;
  reason: string;
  rttMs: number | null;
  lossPct: number | null;
}

export function initialState(): VerdictState {
  return { verdict: 'unknown', failStreak: 0, okStreak: 0, window: [], poor: { loss: false, latency: false } };
}

/** Loss (% of probes unanswered) and mean RTT over the window. */
export function windowFigures(window: Round[]): { lossPct: number | null; rttMs: number | null } {
  // Runs for every round of every WAN: plain loops, no intermediate arrays.
  let probed = 0,
    answered = 0,
    timedAnswers = 0,
    rttSum = 0;
  for (const r of window) {
    probed += r.probed;
    answered += r.answered;
    if (r.rttMs !== null) {
      timedAnswers += r.answered;
      rttSum += r.rttMs * r.answered;
    }
  }
  return {
    lossPct: probed ? (100 * (probed - answered)) / probed : null,
    rttMs: timedAnswers ? rttSum / timedAnswers : null,
  };
}

/** Quality needs a few rounds of history before it can call a WAN poor. */
const MIN_QUALITY_ROUNDS = 10;

function judgeQuality(
  state: VerdictState,
  s: HealthSettings,
  f: { lossPct: number | null; rttMs: number | null },
): void {
  if (state.window.length < Math.min(MIN_QUALITY_ROUNDS, s.windowRounds)) return;
  const loss = f.lossPct ?? 0;
  if (loss > s.lossHighPct) state.poor.loss = true;
  else if (loss < s.lossLowPct) state.poor.loss = false;
  if (f.rttMs !== null && f.rttMs > s.latencyHighMs) state.poor.latency = true;
  else if (f.rttMs === null || f.rttMs < s.latencyLowMs) state.poor.latency = false;
}

function qualityReason(
  state: VerdictState,
  s: HealthSettings,
  f: { lossPct: number | null; rttMs: number | null },
): string {
  const parts: string[] = [];
  if (state.poor.loss) parts.push(`loss ${Math.round(f.lossPct ?? 0)}% above ${s.lossHighPct}%`);
  if (state.poor.latency) parts.push(`rtt ${Math.round(f.rttMs ?? 0)} ms above ${s.latencyHighMs} ms`);
  return parts.join(', ');
}

/** Whether the trigger level takes a degraded WAN out of service (pfSense's "member down / packet loss / high latency"). */
function triggerFires(state: VerdictState, trigger: HealthSettings['trigger']): boolean {
  if (trigger === 'loss') return state.poor.loss;
  if (trigger === 'latency') return state.poor.latency;
  if (trigger === 'loss-or-latency') return state.poor.loss || state.poor.latency;
  return false;
}

const linkDecision = (reason: string): Decision => ({
  verdict: 'offline',
  outOfService: false,
  reason,
  rttMs: null,
  lossPct: null,
});

/**
 * The WAN's link went (carrier, device or address lost): rounds say nothing about the upstream until it returns,
 * and it returns through probes (offline until then). A WAN not judged yet stays unknown (undefined: nothing to say).
 */
export function linkLost(state: VerdictState, now: number): Decision | undefined {
  if (state.verdict === 'unknown') return undefined;
  state.lost = { at: now, reachable: state.verdict !== 'offline' };
  Object.assign(state, { verdict: 'offline', failStreak: 0, okStreak: 0, window: [] });
  state.poor = { loss: false, latency: false };
  return linkDecision('link lost');
}

/**
 * The link is back: a WAN that was reachable, lost its link for at most `blipSeconds` and had been stable
 * (`stable`: its flap penalty was below `flapReuse` when it left) returns after `upAfterBlip` good rounds; any other
 * after `upAfter`. Rounds lost while the link settles (ARP, a modem) keep the shortcut as long as they were sent
 * within `blipSeconds` of the loss; a later failed round makes it a long outage. Flap damping can still hold it down.
 */
export function linkBack(state: VerdictState, now: number, s: HealthSettings, stable: boolean): Decision | undefined {
  const lost = state.lost;
  state.lost = undefined;
  if (state.verdict !== 'offline' || !lost) return undefined;
  const seconds = (now - lost.at) / 1000;
  const blip = lost.reachable && seconds <= s.blipSeconds;
  state.need = blip && stable ? s.upAfterBlip : s.upAfter;
  state.blipUntil = blip && stable ? lost.at + s.blipSeconds * 1000 : undefined;
  state.okStreak = 0;
  state.failStreak = 0;
  const why = !blip
    ? lost.reachable
      ? `lost for more than ${s.blipSeconds} s`
      : 'it was offline before'
    : stable
      ? `a blip of at most ${s.blipSeconds} s`
      : 'a blip, but the WAN has been flapping';
  return linkDecision(`link back after ${seconds.toFixed(1)} s (${why}): ${state.need} good rounds to return`);
}

/**
 * Folds one round into the state. Reachability: `downAfter` failed rounds in a row → offline; `upAfter` good
 * rounds in a row (fewer after a blip: `state.need`) → back online, unless `held` (flap damping) says why not;
 * from unknown, one good round is enough. Quality is judged over the window.
 */
export function step(state: VerdictState, round: Round, s: HealthSettings, held?: string): Decision {
  const ok = round.answered >= s.quorum;
  const need = state.need ?? s.upAfter;
  state.failStreak = ok ? 0 : state.failStreak + 1;
  state.okStreak = ok ? state.okStreak + 1 : 0;

  let reachable = state.verdict !== 'offline' && state.verdict !== 'unknown';
  if (state.failStreak >= s.downAfter) reachable = false;
  else if (state.verdict === 'unknown' && ok) reachable = true;
  else if (state.verdict === 'offline' && state.okStreak >= need && !held) reachable = true;
  if (reachable) state.need = state.blipUntil = undefined;
  else if (!ok && state.blipUntil !== undefined && (round.sentAt ?? Number.POSITIVE_INFINITY) > state.blipUntil)
    state.need = state.blipUntil = undefined; // still failing after blipSeconds: a long outage after all

  // Quality is measured while the WAN is reachable: an outage's rounds do not count as loss after it.
  // Only the figures stay for the window's 100 rounds: the round's targets die young (no promotion, less GC).
  if (reachable || state.verdict === 'unknown')
    state.window.push({ answered: round.answered, probed: round.probed, rttMs: round.rttMs });
  else state.window = [];
  if (state.window.length > s.windowRounds) state.window.shift();
  if (!reachable) state.poor = { loss: false, latency: false };
  const f = windowFigures(state.window);
  // Quality is re-judged on answered rounds only: during a hard failure the streak decides, without a detour via degraded.
  if (reachable && ok) judgeQuality(state, s, f);
  // Loss is a share of the whole window: until the window has filled once (after start or an outage) it is unknown,
  // not the share of a few first rounds (one lost first ping of three once read as 33 % loss on a healthy WAN).
  const full = state.window.length >= s.windowRounds;
  const figures = {
    rttMs: f.rttMs === null ? null : Math.round(f.rttMs * 10) / 10,
    lossPct: f.lossPct === null || !full ? null : Math.round(f.lossPct * 10) / 10,
  };

  if (!reachable) {
    if (state.verdict === 'unknown' && state.failStreak < s.downAfter)
      return { verdict: 'unknown', outOfService: false, reason: 'waiting for probe answers', ...figures };
    state.verdict = 'offline';
    const reason =
      state.failStreak >= s.downAfter
        ? `fewer than ${s.quorum} of ${round.probed} targets answered in ${state.failStreak} rounds`
        : held && state.okStreak >= need
          ? held
          : `recovering: ${state.okStreak} of ${state.need ?? s.upAfter} good rounds`;
    // While out, the figures are this round's: the window only measures a reachable WAN.
    const lossPct = round.probed ? Math.round((1000 * (round.probed - round.answered)) / round.probed) / 10 : null;
    return {
      verdict: 'offline',
      outOfService: false,
      reason,
      rttMs: round.rttMs === null ? null : Math.round(round.rttMs * 10) / 10,
      lossPct,
    };
  }
  const poor = state.poor.loss || state.poor.latency;
  state.verdict = poor ? 'degraded' : 'online';
  if (poor) {
    const fires = triggerFires(state, s.trigger);
    return {
      verdict: 'degraded',
      outOfService: fires,
      reason: `${qualityReason(state, s, f)}${fires ? ` (trigger ${s.trigger}: out of service)` : ''}`,
      ...figures,
    };
  }
  return {
    verdict: 'online',
    outOfService: false,
    reason: `${round.answered}/${round.probed} targets answering`,
    ...figures,
  };
}
