// One timer for every ICMP target that shares an interval and timeout: a batch of requests per tick, a few drains per batch.
import net from 'node:net';
import { ipv4ToInt } from '../../../config/schema/validators.ts';
import type { IcmpAddon } from './icmp-addon.ts';
import { ipv6Hex } from '../ipv6-text.ts';
import type { ProbeSample } from './types.ts';

export interface IcmpTarget {
  device: string;
  source: string;
  /** An IPv4 or IPv6 address, of the same family as `source`. */
  target: string;
  /** The target as configured (`[2001:db8::1]`), reported in samples; `target` when absent. */
  label?: string;
  onSample(s: ProbeSample): void;
}

/**
 * Replies are read at every tick, just before the next batch goes out. The kernel keeps them with their receive
 * timestamps, so the RTT does not depend on when we read, and every wake-up costs (about 0.5 ms of CPU here), so
 * at short intervals that is all: a round is judged at most one interval after its answers. At intervals longer
 * than MAX_JUDGE_DELAY_MS the sockets are also drained DRAIN_AFTER_MS after each batch, then every
 * MAX_JUDGE_DELAY_MS while answers are outstanding. The deadline (sent + timeout) settles the rest.
 */
export const MAX_JUDGE_DELAY_MS = 200;
export const DRAIN_AFTER_MS = [5, 25, 75];

/** When to drain next after a batch sent at `batchAt`, if the interval calls for drains between ticks. */
export function nextDrain(batchAt: number, now: number, intervalMs: number): number | undefined {
  if (intervalMs <= MAX_JUDGE_DELAY_MS) return undefined;
  const early = DRAIN_AFTER_MS.map((d) => batchAt + d).find((t) => t > now);
  if (early !== undefined) return early;
  const last = batchAt + DRAIN_AFTER_MS[DRAIN_AFTER_MS.length - 1];
  return last + MAX_JUDGE_DELAY_MS * (Math.floor((now - last) / MAX_JUDGE_DELAY_MS) + 1);
}
const REOPEN_AFTER_MS = 1000;
/** Timers can fire up to a millisecond before performance.now() says they are due. */
const EARLY_MS = 1;

interface Socket {
  device: string;
  source: string;
  fd?: number;
  id: number;
  users: number;
  error?: string;
  retryAt: number;
}
interface Entry {
  t: IcmpTarget;
  /** The target as the addon reports reply sources: a uint32 (IPv4) or 32 hex digits (IPv6). */
  addr: number | string;
  seq: number;
  pending: Map<number, { sentAt: number; mono: number }>;
  sock: Socket;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
let nextId = process.pid;

export class IcmpScheduler {
  private readonly entries = new Set<Entry>();
  private readonly sockets = new Map<string, Socket>();
  private timer?: NodeJS.Timeout;
  private nextTickAt = 0;
  private batchAt = -Infinity;

  constructor(
    private readonly addon: IcmpAddon,
    readonly intervalMs: number,
    readonly timeoutMs: number,
    private readonly onEmpty: () => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Probes `t.target` from the next tick on (right after this turn if it is the first target); the result removes it. */
  add(t: IcmpTarget): () => void {
    const family = net.isIP(t.target);
    if (family === 0)
      throw new Error(`icmp probe target must be an IPv4 or IPv6 address, got ${JSON.stringify(t.target)}`);
    if (net.isIP(t.source) !== family)
      throw new Error(`icmp probe of ${t.target}: source ${t.source} is not of the target's family (IPv${family})`);
    const key = `${t.device}\0${t.source}`;
    let sock = this.sockets.get(key);
    if (!sock)
      this.sockets.set(
        key,
        (sock = { device: t.device, source: t.source, id: (nextId++ * 7919) & 0xffff, users: 0, retryAt: 0 }),
      );
    sock.users++;
    const entry: Entry = {
      t,
      addr: family === 4 ? ipv4ToInt(t.target) : ipv6Hex(t.target),
      seq: 0,
      pending: new Map(),
      sock,
    };
    this.entries.add(entry);
    // Open now: the first socket that asks for receive timestamps turns them on for the whole kernel, a moment later.
    this.ready(sock, performance.now());
    // The first batch leaves after this turn, so every target added together (all WANs at start) is in it.
    if (this.entries.size === 1) {
      this.nextTickAt = performance.now();
      this.timer = setTimeout(() => this.wake(), 0);
    }
    return () => this.remove(entry, key);
  }

  private remove(entry: Entry, key: string): void {
    if (!this.entries.delete(entry)) return;
    if (--entry.sock.users === 0) {
      if (entry.sock.fd !== undefined) this.addon.close(entry.sock.fd);
      this.sockets.delete(key);
    }
    if (this.entries.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.onEmpty();
    }
  }

  private wake(): void {
    this.timer = undefined;
    const now = performance.now();
    this.drain();
    this.expire(now);
    if (now >= this.nextTickAt - EARLY_MS) {
      this.send(now);
      this.nextTickAt += this.intervalMs * Math.max(1, Math.ceil((now - this.nextTickAt) / this.intervalMs));
    }
    if (this.entries.size > 0) this.arm(performance.now());
  }

  private arm(now: number): void {
    let next = this.nextTickAt;
    let pending = false;
    for (const e of this.entries) {
      for (const p of e.pending.values()) {
        pending = true;
        next = Math.min(next, p.mono + this.timeoutMs);
      }
    }
    const drainAt = pending ? nextDrain(this.batchAt, now + EARLY_MS, this.intervalMs) : undefined;
    if (drainAt !== undefined) next = Math.min(next, drainAt);
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - now));
  }

  private report(e: Entry, sentAt: number, rttMs: number | null, error?: string): void {
    e.t.onSample(
      error === undefined
        ? { target: e.t.label ?? e.t.target, method: 'icmp', sentAt, rttMs }
        : { target: e.t.label ?? e.t.target, method: 'icmp', sentAt, rttMs: null, error },
    );
  }

  /** Opens the socket if it is not open (at most once a second after a failure); returns why it is not usable. */
  private ready(sock: Socket, now: number): string | undefined {
    if (sock.fd !== undefined) return undefined;
    if (now < sock.retryAt) return sock.error;
    try {
      sock.fd = this.addon.open(sock.device, sock.source);
      sock.error = undefined;
    } catch (err) {
      sock.error = `cannot open an ICMP socket on ${sock.device} from ${sock.source}: ${(err as Error).message}`;
      sock.retryAt = now + REOPEN_AFTER_MS;
    }
    return sock.error;
  }

  private send(now: number): void {
    this.batchAt = now;
    const sentAt = Date.now();
    for (const e of [...this.entries]) {
      if (!this.entries.has(e)) continue; // removed by an earlier report's listener
      const broken = this.ready(e.sock, now);
      if (broken) {
        this.report(e, sentAt, null, broken);
        continue;
      }
      e.seq = (e.seq + 1) & 0xffff;
      try {
        this.addon.send(e.sock.fd!, e.t.target, e.sock.id, e.seq);
        e.pending.set(e.seq, { sentAt, mono: now });
      } catch (err) {
        this.report(e, sentAt, null, `could not send: ${(err as Error).message}`);
      }
    }
  }

  private drain(): void {
    const bySocket = new Map<Socket, Entry[]>();
    for (const e of this.entries) {
      if (e.sock.fd === undefined || e.pending.size === 0) continue;
      const list = bySocket.get(e.sock);
      if (list) list.push(e);
      else bySocket.set(e.sock, [e]);
    }
    for (const [sock, entries] of bySocket) {
      let replies: (number | string)[];
      try {
        replies = this.addon.drain(sock.fd!, sock.id);
      } catch (err) {
        this.addon.close(sock.fd!);
        sock.fd = undefined;
        sock.error = `ICMP socket on ${sock.device} failed: ${(err as Error).message}`;
        continue;
      }
      for (let i = 0; i < replies.length; i += 3) {
        const [addr, seq, kernelRtt] = [replies[i], Number(replies[i + 1]), Number(replies[i + 2])];
        for (const e of entries) {
          const p = e.addr === addr ? e.pending.get(seq) : undefined;
          if (!p || !this.entries.has(e)) continue;
          e.pending.delete(seq);
          // Without a kernel timestamp (only just after timestamps were first turned on), the time until now bounds it.
          const rtt = kernelRtt >= 0 ? kernelRtt : performance.now() - p.mono;
          if (rtt > this.timeoutMs)
            this.report(e, p.sentAt, null, `answer after ${Math.round(rtt)} ms, over the ${this.timeoutMs} ms timeout`);
          else this.report(e, p.sentAt, round3(rtt));
        }
      }
    }
  }

  private expire(now: number): void {
    for (const e of [...this.entries]) {
      for (const [seq, p] of e.pending) {
        if (now - p.mono < this.timeoutMs - EARLY_MS) continue;
        e.pending.delete(seq);
        if (this.entries.has(e))
          this.report(e, p.sentAt, null, e.sock.error ?? `no answer within ${this.timeoutMs} ms`);
      }
    }
  }
}
