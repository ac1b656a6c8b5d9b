// An NFQUEUE client: binds one queue (fail-open, packet copy), hands each queued packet to a handler, sends verdicts batched.
import { NLMSG_ERROR, errorCode, messages } from './netlink-frame.ts';
import {
  NFQA_CFG_F_FAIL_OPEN,
  NFQNL_MSG_PACKET,
  NF_ACCEPT,
  VERDICT_MSG_LEN,
  decodePacket,
  encodeBindRequests,
  encodeUnbind,
  msgType,
  writeVerdict,
  type QueueConfig,
  type QueuedPacket,
  type Verdict,
} from './messages.ts';
import type { NetlinkTransport } from './transport.ts';

export interface ClientStats {
  packets: number;
  verdicts: number;
  /** Verdict messages that covered several packets (NFQNL_MSG_VERDICT_BATCH). */
  batchMessages: number;
  /** Datagrams sent with verdicts. */
  sends: number;
  /** Errors the kernel reported for verdicts, and socket errors (ENOBUFS: the kernel let packets through unseen). */
  kernelErrors: number;
  socketErrors: number;
}

/** Verdicts per datagram at most. */
const MAX_PER_SEND = 256;
const ACK_TIMEOUT_MS = 3000;

/** Groups consecutive verdicts with the same verdict and mark; a run of more than one becomes one batch message. */
export function encodeVerdicts(
  queue: number,
  vs: readonly Verdict[],
  allowBatch = true,
): { buf: Buffer; batches: number } {
  const buf = Buffer.allocUnsafe(vs.length * VERDICT_MSG_LEN);
  let off = 0;
  let batches = 0;
  for (let i = 0; i < vs.length; ) {
    let j = i;
    if (allowBatch)
      while (
        j + 1 < vs.length &&
        vs[j + 1].verdict === vs[i].verdict &&
        vs[j + 1].mark === vs[i].mark &&
        vs[j + 1].id > vs[j].id
      )
        j++;
    if (j > i) batches++;
    off = writeVerdict(buf, off, queue, vs[j], j > i);
    i = j + 1;
  }
  return { buf: buf.subarray(0, off), batches };
}

export class NfqueueClient {
  readonly stats: ClientStats = {
    packets: 0,
    verdicts: 0,
    batchMessages: 0,
    sends: 0,
    kernelErrors: 0,
    socketErrors: 0,
  };
  private pending: Verdict[] = [];
  private scheduled = false;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly acks = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private closed = false;
  readonly config: QueueConfig;

  /**
   * `handler` gets every queued packet; it answers through `verdict()` (synchronously, so that batch verdicts, which
   * cover every packet up to an id, never catch a packet still being decided).
   */
  constructor(
    private readonly transport: NetlinkTransport,
    config: Partial<QueueConfig> & { queue: number },
    private readonly handler: (p: QueuedPacket) => void,
    private readonly onProblem: (what: string) => void = () => {},
  ) {
    this.config = {
      queue: config.queue,
      copyRange: config.copyRange ?? 64,
      maxLen: config.maxLen ?? 1024,
      flags: config.flags ?? NFQA_CFG_F_FAIL_OPEN,
    };
    transport.onMessage((data) => this.receive(data));
    transport.onError((err) => {
      this.stats.socketErrors++;
      this.onProblem(`netlink socket: ${err.code ?? err.message}`);
    });
  }

  /** Binds the queue; rejects with the kernel's reason (EPERM: another process holds this queue number). */
  async bind(): Promise<void> {
    const seq = this.seq;
    this.seq += 2;
    const [bindMsg, params] = encodeBindRequests(this.config, seq);
    await this.request(bindMsg, seq, `bind queue ${this.config.queue}`);
    await this.request(params, seq + 1, `configure queue ${this.config.queue}`);
  }

  /** Queues a verdict; all verdicts given during one turn of the event loop leave in one datagram. */
  verdict(v: Verdict): void {
    this.pending.push(v);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    while (this.pending.length && !this.closed) {
      const chunk = this.pending.length > MAX_PER_SEND ? this.pending.splice(0, MAX_PER_SEND) : this.pending;
      if (chunk === this.pending) this.pending = [];
      const { buf, batches } = encodeVerdicts(this.config.queue, chunk);
      this.stats.verdicts += chunk.length;
      this.stats.batchMessages += batches;
      this.stats.sends++;
      this.transport.send(buf, (err) => {
        if (err) {
          this.stats.socketErrors++;
          this.onProblem(`sending verdicts: ${err.message}`);
        }
      });
    }
  }

  /** Sends what is pending, unbinds (best effort) and closes the socket; the kernel then bypasses the queue (fail open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    const seq = this.seq++;
    await this.request(encodeUnbind(this.config.queue, seq), seq, 'unbind').catch(() => undefined);
    this.closed = true;
    this.transport.close();
  }

  private request(msg: Buffer, seq: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(seq);
        reject(new Error(`${what}: no answer from the kernel within ${ACK_TIMEOUT_MS} ms`));
      }, ACK_TIMEOUT_MS);
      this.acks.set(seq, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(new Error(`${what}: ${e.message}`, { cause: e }));
        },
      });
      this.transport.send(msg, (err) => {
        if (err) this.acks.get(seq)?.reject(err);
      });
    });
  }

  private receive(data: Buffer): void {
    for (const m of messages(data)) {
      if (m.type === NLMSG_ERROR) {
        const code = errorCode(data, m);
        const waiter = this.acks.get(m.seq);
        if (waiter) {
          this.acks.delete(m.seq);
          if (code === 0) waiter.resolve();
          else waiter.reject(new Error(errnoText(code)));
        } else if (code !== 0) {
          this.stats.kernelErrors++;
          this.onProblem(`kernel: ${errnoText(code)}`);
        }
      } else if (m.type === msgType(NFQNL_MSG_PACKET)) {
        const p = decodePacket(data, m.start, m.end);
        if (!p) continue;
        this.stats.packets++;
        try {
          this.handler(p);
        } catch {
          this.verdict({ id: p.id, verdict: NF_ACCEPT });
        }
      }
    }
  }
}

const ERRNO: Record<number, string> = {
  1: 'EPERM (another process holds this queue, or no CAP_NET_ADMIN)',
  2: 'ENOENT (no such queued packet)',
  16: 'EBUSY',
  22: 'EINVAL',
  95: 'EOPNOTSUPP',
};
const errnoText = (code: number): string => ERRNO[code] ?? `errno ${code}`;
