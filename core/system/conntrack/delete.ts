// Deletes the conntrack entries of one mark in the kernel: a dump filtered by mark counts them, one flush filtered by mark deletes them.
import {
  encodeNfMessage,
  errorCode,
  messages,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
} from '../nfqueue/netlink-frame.ts';
import { NETLINK_NETFILTER } from '../nfqueue/messages.ts';
import type { NetlinkTransport } from '../nfqueue/transport.ts';
import { hex } from '../../../config/schema/validators.ts';
import type { Runner } from '../process/runner.ts';

/** nfnetlink subsystem 1 (ctnetlink): IPCTNL_MSG_CT_NEW 0, _GET 1, _DELETE 2; attributes CTA_MARK 8, CTA_MARK_MASK 21. */
export const CT_NEW = (1 << 8) | 0;
export const CT_GET = (1 << 8) | 1;
export const CT_DELETE = (1 << 8) | 2;
const CTA_MARK = 8;
const CTA_MARK_MASK = 21;
const NLM_F_DUMP = 0x300;
/** AF_UNSPEC: IPv4 and IPv6 entries alike; AF_INET, AF_INET6: one family's. */
const ANY_FAMILY = 0;
const NF_FAMILY = { ipv4: 2, ipv6: 10 } as const;
const TIMEOUT_MS = 60_000;

const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/**
 * The two requests: a dump of the entries whose mark & mask equals mark & mask, and a delete without a tuple, which
 * the kernel runs as a flush with the same filter (Linux ≥ 4.7; mwan needs ≥ 5.2 for NAT in the inet family).
 */
export function markRequests(
  mark: number,
  mask: number,
  seq: number,
  family?: 'ipv4' | 'ipv6',
): { dump: Buffer; flush: Buffer } {
  const attrs = [
    { type: CTA_MARK, value: u32be(mark & mask) },
    { type: CTA_MARK_MASK, value: u32be(mask) },
  ];
  const head = { family: family ? NF_FAMILY[family] : ANY_FAMILY, resId: 0 };
  return {
    dump: encodeNfMessage({ ...head, type: CT_GET, flags: NLM_F_REQUEST | NLM_F_DUMP, seq }, attrs),
    flush: encodeNfMessage({ ...head, type: CT_DELETE, flags: NLM_F_REQUEST | NLM_F_ACK, seq: seq + 1 }, attrs),
  };
}

/** A NETLINK_NETFILTER socket from the `netlink` package's raw layer only (its index loads every family: ~140 ms). */
async function openCtnetlink(): Promise<NetlinkTransport> {
  const { RawNetlinkSocket } = await import('netlink/dist/raw.js');
  const sock = new RawNetlinkSocket(NETLINK_NETFILTER, {
    messagePeeking: false,
    msgBufferSize: 65536, // dump datagrams are up to 32 KiB
    recvBufferSize: 4 * 1024 * 1024,
    sendBufferSize: 64 * 1024,
  });
  return {
    send: (data, done) => sock.send(data, { port: 0 }, (err) => done?.(err)),
    onMessage: (fn) => sock.on('message', (msg) => fn(msg)),
    onError: (fn) => sock.on('error', (err) => fn(err)),
    close: () => sock.close(),
  };
}

/** Counts the matching entries, then deletes them; resolves with the count. Rejects on a kernel error or timeout. */
export async function flushByMark(
  mark: number,
  mask: number,
  open = openCtnetlink,
  family?: 'ipv4' | 'ipv6',
): Promise<number> {
  const sock = await open();
  const seq = (Date.now() & 0x3fffffff) >>> 0;
  const { dump, flush } = markRequests(mark, mask, seq, family);
  try {
    return await new Promise<number>((resolve, reject) => {
      let count = 0;
      const timer = setTimeout(() => reject(new Error(`no answer from ctnetlink in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new Error(why));
      };
      sock.onError((err) => fail(`ctnetlink socket: ${err.message}`));
      sock.onMessage((data) => {
        for (const m of messages(data)) {
          if (m.seq === seq && m.type === CT_NEW) count++;
          else if (m.seq === seq && m.type === NLMSG_DONE) sock.send(flush, (err) => err && fail(err.message));
          else if (m.type === NLMSG_ERROR && (m.seq === seq || m.seq === seq + 1)) {
            const code = errorCode(data, m);
            if (code !== 0) fail(`ctnetlink ${m.seq === seq ? 'dump' : 'flush'} failed: errno ${code}`);
            else if (m.seq === seq + 1) {
              clearTimeout(timer);
              resolve(count);
            }
          }
        }
      });
      sock.send(dump, (err) => err && fail(err.message));
    });
  } finally {
    sock.close();
  }
}

/** The kernel-side flush, or `conntrack -D -m mark/mask` where ctnetlink cannot be used (no native module, refused). */
export async function deleteConnectionsByMark(
  mark: number,
  mask: number,
  run: Runner,
  flush: typeof flushByMark = flushByMark,
  family?: 'ipv4' | 'ipv6',
): Promise<number> {
  try {
    return await flush(mark, mask, undefined, family);
  } catch {
    // conntrack exits 1 when nothing matched; its count is on stderr
    const only = family ? ['-f', family] : [];
    const r = await run(['conntrack', '-D', ...only, '-m', `${hex(mark)}/${hex(mask)}`], { allowFailure: true });
    const count = /(\d+) flow entries have been deleted/.exec(r.stderr);
    if (!count) throw new Error(`conntrack -D -m ${hex(mark)}/${hex(mask)} failed: ${r.stderr.trim()}`);
    return Number(count[1]);
  }
}
