// Turns queued packets into verdicts: asks the strategy, maps its WAN to a mark, counts decisions, never throws.
import { NF_REPEAT, type QueuedPacket, type Verdict } from './messages.ts';
import { parsePacket, protoName } from './packet.ts';
import type { NewConnection, NfqueueStrategy } from './strategy.ts';

export interface RuntimeWan {
  name: string;
  mark: number;
  /** The member's weight in the policy (1 when absent). */
  weight?: number;
}

/** A WAN's weight from the list a queue decides among: a positive finite weight, else 1. */
export function weightOf(wans: readonly RuntimeWan[], wan: string): number {
  const w = wans.find((x) => x.name === wan)?.weight;
  return w !== undefined && Number.isFinite(w) && w > 0 ? w : 1;
}

export interface RuntimeOptions {
  /** mwan's bits of the mark. */
  mask: number;
  /** The bit that tells the queue chain "decided: save the mark, do not queue again" (see rules.ts). */
  doneBit: number;
  strategy: NfqueueStrategy;
  /** WAN name → mark for the WANs a decision may name (the strategy's `ctx.wans()` should list the same). */
  wans: () => readonly RuntimeWan[];
  /** The same for IPv6 connections (the WANs in service for IPv6); default `wans`. */
  wans6?: () => readonly RuntimeWan[];
  /** Interface index → name. */
  ifName?: (index: number) => string | undefined;
  /** Called after each decision for a WAN (least-connections counts it as pending). */
  onDecision?: (conn: NewConnection, wan: RuntimeWan) => void;
  /** A problem worth a log line (a throwing strategy, an unknown WAN); called at most once per kind and second. */
  onProblem?: (what: string) => void;
}

export interface RuntimeStats {
  /** Decisions per WAN name. */
  decided: Record<string, number>;
  /** Packets left to the kernel's choice: the strategy said undefined. */
  kernelChoice: number;
  /** The strategy threw or named a WAN it may not use (also left to the kernel's choice). */
  strategyErrors: number;
  /** Packets that were neither IPv4 nor IPv6 (accepted unchanged; the name predates IPv6). */
  notIpv4: number;
}

export class NfqueueRuntime {
  readonly stats: RuntimeStats = { decided: {}, kernelChoice: 0, strategyErrors: 0, notIpv4: 0 };
  private lastProblem = new Map<string, number>();
  /** The family of the connection being decided: `wansNow()` (and so a strategy's `ctx.wans()`) lists its WANs. */
  family: 'ipv4' | 'ipv6' = 'ipv4';

  constructor(private readonly o: RuntimeOptions) {}

  /** The WANs a decision may name now, for the family of the connection being decided. */
  wansNow(): readonly RuntimeWan[] {
    return this.family === 'ipv6' && this.o.wans6 ? this.o.wans6() : this.o.wans();
  }

  /**
   * The verdict for one packet. Every verdict is NF_REPEAT with the done bit: the hook runs again, the queue chain
   * saves mwan's bits into the connection mark and the nat hook finishes its work (a plain accept would skip the rest
   * of the nat hook, and a retransmitted SYN would be queued and decided again). No WAN → mwan's bits stay as the
   * kernel set them.
   */
  handle(p: QueuedPacket): Verdict {
    const keep: Verdict = { id: p.id, verdict: NF_REPEAT, mark: (p.mark | this.o.doneBit) >>> 0 };
    const ip = parsePacket(p.payload);
    if (!ip) {
      this.stats.notIpv4++;
      return keep;
    }
    this.family = ip.family;
    const conn: NewConnection = {
      family: ip.family,
      src: ip.src,
      dst: ip.dst,
      sport: ip.sport,
      dport: ip.dport,
      proto: protoName(ip.proto),
      iif: this.ifName(p.indev),
      iifIndex: p.indev,
      mark: p.mark,
    };
    let name: string | undefined;
    try {
      name = this.o.strategy.decide(conn);
    } catch (err) {
      this.stats.strategyErrors++;
      this.problem(
        'throw',
        `nfqueue strategy ${this.o.strategy.name} threw: ${err instanceof Error ? err.message : String(err)}; the kernel's choice stands`,
      );
      return keep;
    }
    if (name === undefined) {
      this.stats.kernelChoice++;
      return keep;
    }
    const wan = this.wansNow().find((w) => w.name === name);
    if (!wan) {
      this.stats.strategyErrors++;
      this.problem(
        'unknown',
        `nfqueue strategy ${this.o.strategy.name} chose ${JSON.stringify(name)}, which is not a WAN it may use; the kernel's choice stands`,
      );
      return keep;
    }
    this.stats.decided[wan.name] = (this.stats.decided[wan.name] ?? 0) + 1;
    try {
      this.o.onDecision?.(conn, wan);
    } catch {
      /* bookkeeping must not change the verdict */
    }
    return {
      id: p.id,
      verdict: NF_REPEAT,
      mark: ((p.mark & ~this.o.mask) | (wan.mark & this.o.mask) | this.o.doneBit) >>> 0,
    };
  }

  private ifName(index: number): string | undefined {
    try {
      return this.o.ifName?.(index);
    } catch {
      return undefined;
    }
  }

  private problem(kind: string, what: string): void {
    const now = Date.now();
    if ((this.lastProblem.get(kind) ?? 0) > now - 1000) return;
    this.lastProblem.set(kind, now);
    try {
      this.o.onProblem?.(what);
    } catch {
      /* a logger's failure is not ours */
    }
  }
}
