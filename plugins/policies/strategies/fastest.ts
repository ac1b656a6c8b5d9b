// Fastest response: learns, per destination network, how long each WAN takes to get the first answer to a new connection (SYN → SYN-ACK), and picks the fastest.
import { type ConntrackRecord, intToIPv4, ipv4ToInt, isIPv4, network6 } from '../../../plugin-api/index.ts';

export interface FastestOptions {
  /** The prefix length destinations are learned by (of the learner's family). */
  prefixLength: number;
  timeoutSeconds: number;
  /** The connections learned from: IPv4's (default) or IPv6's (ipv6.mode npt marks them too); the other family is ignored. */
  family?: 'ipv4' | 'ipv6';
}
interface Sample {
  ms: number;
  n: number;
  at: number;
}

/** A challenger must answer this much faster (ratio and ms) than the current choice to replace it. */
const SWITCH_RATIO = 0.8;
const SWITCH_MS = 5;
/** A NEW whose answer does not come within this time is forgotten. */
const PENDING_MS = 10_000;
/** A network is decided once this many answers came in, from at least two WANs (or from every WAN in service). */
const MIN_SAMPLES = 6;

/**
 * Passive learning from conntrack events: a NEW TCP flow (its SYN has left) records the time, WAN (connection mark)
 * and destination network; the first event showing a reply (SYN-ACK) gives one sample. Samples are averaged per
 * network and WAN (EWMA) and expire after the timeout, so a network is re-explored by the policy's weighted choice
 * once its learned entry (same timeout) has gone.
 */
export class FastestLearner {
  private readonly pending = new Map<number, { at: number; net: string; wan: string }>();
  private readonly samples = new Map<string, Map<string, Sample>>();
  private readonly chosen = new Map<string, { wan: string; until: number }>();
  private readonly size: number;

  constructor(
    private readonly o: FastestOptions,
    private readonly wanOfMark: (mark: number) => string | undefined,
    private readonly ignore: (dst: string) => boolean = () => false,
  ) {
    this.size = o.family === 'ipv6' ? 0 : 2 ** (32 - o.prefixLength);
  }

  netOf(addr: string): string {
    if (this.o.family === 'ipv6') return network6({ address: addr, length: this.o.prefixLength }).split('/')[0];
    return intToIPv4(Math.floor(ipv4ToInt(addr) / this.size) * this.size);
  }

  event(r: ConntrackRecord, nowMs = r.ts !== undefined ? r.ts * 1000 : Date.now()): void {
    if (r.proto !== 'tcp') return;
    if (r.type === 'NEW') {
      // One learner per family: its map is keyed by that family's networks.
      if (isIPv4(r.dst) !== (this.o.family !== 'ipv6')) return;
      const wan = this.wanOfMark(r.mark);
      if (wan && r.unreplied && !this.ignore(r.dst)) this.pending.set(r.id, { at: nowMs, net: this.netOf(r.dst), wan });
    } else if (r.type === 'UPDATE' && !r.unreplied) {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      this.record(p.net, p.wan, nowMs - p.at, nowMs);
    } else if (r.type === 'DESTROY') {
      this.pending.delete(r.id);
    }
  }

  record(net: string, wan: string, ms: number, now: number): void {
    const byWan = this.samples.get(net) ?? new Map<string, Sample>();
    this.samples.set(net, byWan);
    const s = byWan.get(wan);
    byWan.set(
      wan,
      s && now - s.at < this.o.timeoutSeconds * 1000
        ? { ms: s.ms * 0.7 + ms * 0.3, n: s.n + 1, at: now }
        : { ms, n: 1, at: now },
    );
  }

  /**
   * The networks whose choice changed since the last call: the fastest WAN among `live` ones (null: forget the
   * network). Expired samples, pending flows and choices are dropped.
   */
  decide(now: number, live: string[]): Map<string, string | null> {
    const changes = new Map<string, string | null>();
    for (const [id, p] of this.pending) if (now - p.at > PENDING_MS) this.pending.delete(id);
    for (const [net, until] of this.chosen)
      if (until.until <= now) {
        this.chosen.delete(net);
        changes.set(net, null);
      }
    for (const [net, byWan] of this.samples) {
      for (const [wan, s] of byWan) if (now - s.at > this.o.timeoutSeconds * 1000) byWan.delete(wan);
      if (byWan.size === 0) {
        this.samples.delete(net);
        continue;
      }
      const fresh = [...byWan].filter(([wan]) => live.includes(wan));
      const total = fresh.reduce((a, [, s]) => a + s.n, 0);
      const current = this.chosen.get(net);
      if (current && !live.includes(current.wan)) {
        this.chosen.delete(net);
        changes.set(net, null);
      }
      const enough = fresh.length >= 2 && (fresh.length === live.length || total >= MIN_SAMPLES);
      if (!enough) continue;
      const [bestWan, best] = fresh.reduce((a, b) => (b[1].ms < a[1].ms ? b : a));
      const cur = this.chosen.get(net);
      const curMs = cur ? byWan.get(cur.wan)?.ms : undefined;
      if (
        cur &&
        (cur.wan === bestWan || (curMs !== undefined && best.ms > Math.min(curMs * SWITCH_RATIO, curMs - SWITCH_MS)))
      )
        continue;
      this.chosen.set(net, { wan: bestWan, until: now + this.o.timeoutSeconds * 1000 });
      changes.set(net, bestWan);
    }
    return changes;
  }

  /** Per network: the chosen WAN and each WAN's mean answer time (for logs and status). */
  snapshot(): Record<string, { chosen?: string; ms: Record<string, number> }> {
    const out: Record<string, { chosen?: string; ms: Record<string, number> }> = {};
    for (const [net, byWan] of this.samples)
      out[net] = {
        chosen: this.chosen.get(net)?.wan,
        ms: Object.fromEntries([...byWan].map(([w, s]) => [w, Math.round(s.ms * 10) / 10])),
      };
    return out;
  }
}
