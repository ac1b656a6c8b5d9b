// NFQUEUE messages (linux/netfilter/nfnetlink_queue.h): queue config, packet decoding, verdicts and batch verdicts.
import {
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLA_HDRLEN,
  NLMSG_HDRLEN,
  NFGENMSG_LEN,
  attrSpace,
  eachAttr,
  encodeNfMessage,
  finishMessage,
  writeAttrU32be,
  writeNfHeader,
  type Attr,
} from './netlink-frame.ts';

export const NETLINK_NETFILTER = 12;
export const NFNL_SUBSYS_QUEUE = 3;
export const NFQNL_MSG_PACKET = 0;
export const NFQNL_MSG_VERDICT = 1;
export const NFQNL_MSG_CONFIG = 2;
export const NFQNL_MSG_VERDICT_BATCH = 3;
export const msgType = (msg: number): number => (NFNL_SUBSYS_QUEUE << 8) | msg;

export const AF_UNSPEC = 0;
export const AF_INET = 2;

export const NFQNL_CFG_CMD = { NONE: 0, BIND: 1, UNBIND: 2, PF_BIND: 3, PF_UNBIND: 4 } as const;
export const NFQNL_COPY = { NONE: 0, META: 1, PACKET: 2 } as const;
export const NFQA_CFG = { CMD: 1, PARAMS: 2, QUEUE_MAXLEN: 3, MASK: 4, FLAGS: 5 } as const;
export const NFQA_CFG_F_FAIL_OPEN = 1 << 0;
export const NFQA = {
  PACKET_HDR: 1,
  VERDICT_HDR: 2,
  MARK: 3,
  TIMESTAMP: 4,
  IFINDEX_INDEV: 5,
  IFINDEX_OUTDEV: 6,
  PAYLOAD: 10,
  CT: 11,
  CAP_LEN: 13,
} as const;

/** Netfilter verdicts (linux/netfilter.h). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_REPEAT = 4;

/** struct nfqnl_msg_config_cmd { u8 command; u8 _pad; __be16 pf; } */
export function configCmd(command: number, pf: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(command, 0);
  b.writeUInt16BE(pf, 2);
  return b;
}

/** struct nfqnl_msg_config_params { __be32 copy_range; u8 copy_mode; } __packed (5 bytes). */
export function configParams(copyRange: number, copyMode: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(copyRange >>> 0, 0);
  b.writeUInt8(copyMode, 4);
  return b;
}

const u32be = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

export interface QueueConfig {
  queue: number;
  /** Bytes of each packet copied to user space (enough for the IPv4 header and the ports: 64). */
  copyRange: number;
  /** Packets the kernel holds for us before fail-open lets new ones through. */
  maxLen: number;
  /** NFQA_CFG_F_* flags to set (NFQA_CFG_F_FAIL_OPEN). */
  flags: number;
}

/** The config requests that bind a queue, in order: bind, then copy mode + length + flags. Each asks for an ack. */
export function encodeBindRequests(c: QueueConfig, seq: number): Buffer[] {
  const hdr = (s: number) => ({
    type: msgType(NFQNL_MSG_CONFIG),
    flags: NLM_F_REQUEST | NLM_F_ACK,
    seq: s,
    family: AF_UNSPEC,
    resId: c.queue,
  });
  const params: Attr[] = [
    { type: NFQA_CFG.PARAMS, value: configParams(c.copyRange, NFQNL_COPY.PACKET) },
    { type: NFQA_CFG.QUEUE_MAXLEN, value: u32be(c.maxLen) },
    { type: NFQA_CFG.FLAGS, value: u32be(c.flags) },
    { type: NFQA_CFG.MASK, value: u32be(c.flags) },
  ];
  return [
    encodeNfMessage(hdr(seq), [{ type: NFQA_CFG.CMD, value: configCmd(NFQNL_CFG_CMD.BIND, AF_INET) }]),
    encodeNfMessage(hdr(seq + 1), params),
  ];
}

export function encodeUnbind(queue: number, seq: number): Buffer {
  return encodeNfMessage(
    { type: msgType(NFQNL_MSG_CONFIG), flags: NLM_F_REQUEST | NLM_F_ACK, seq, family: AF_UNSPEC, resId: queue },
    [{ type: NFQA_CFG.CMD, value: configCmd(NFQNL_CFG_CMD.UNBIND, AF_INET) }],
  );
}

/** One queued packet as the kernel reports it (struct nfqnl_msg_packet_hdr plus the attributes mwan reads). */
export interface QueuedPacket {
  queue: number;
  id: number;
  /** Link-layer protocol (0x0800 for IPv4). */
  hwProtocol: number;
  hook: number;
  /** The packet mark (0 when the kernel sent no NFQA_MARK). */
  mark: number;
  /** Input interface index (0 when absent). */
  indev: number;
  /** The first `copyRange` bytes of the network-layer packet. */
  payload: Buffer;
}

/** Decodes an NFQNL_MSG_PACKET message whose payload (after nlmsghdr) is buf[start, end); null when it has no header. */
export function decodePacket(buf: Buffer, start: number, end: number): QueuedPacket | null {
  if (end - start < NFGENMSG_LEN) return null;
  const p: QueuedPacket = {
    queue: buf.readUInt16BE(start + 2),
    id: -1,
    hwProtocol: 0,
    hook: 0,
    mark: 0,
    indev: 0,
    payload: EMPTY,
  };
  eachAttr(buf, start + NFGENMSG_LEN, end, (type, from, to) => {
    if (type === NFQA.PACKET_HDR && to - from >= 7) {
      p.id = buf.readUInt32BE(from);
      p.hwProtocol = buf.readUInt16BE(from + 4);
      p.hook = buf.readUInt8(from + 6);
    } else if (type === NFQA.MARK && to - from >= 4) p.mark = buf.readUInt32BE(from);
    else if (type === NFQA.IFINDEX_INDEV && to - from >= 4) p.indev = buf.readUInt32BE(from);
    else if (type === NFQA.PAYLOAD) p.payload = buf.subarray(from, to);
  });
  return p.id < 0 ? null : p;
}
const EMPTY = Buffer.alloc(0);

export interface Verdict {
  id: number;
  verdict: number;
  /** The packet mark to set; undefined leaves it as it is. */
  mark?: number;
}

/** Bytes one verdict message takes: header, nfgenmsg, VERDICT_HDR (8) and MARK (4). */
export const VERDICT_MSG_LEN = NLMSG_HDRLEN + NFGENMSG_LEN + attrSpace(8) + attrSpace(4);

/**
 * Writes one verdict message at `off`: NFQNL_MSG_VERDICT for one packet, or NFQNL_MSG_VERDICT_BATCH, which applies
 * to every packet of the queue with an id up to `v.id`. Returns the offset after it.
 */
export function writeVerdict(buf: Buffer, off: number, queue: number, v: Verdict, batch = false): number {
  const body = writeNfHeader(buf, off, {
    type: msgType(batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT),
    flags: NLM_F_REQUEST,
    seq: 0,
    family: AF_UNSPEC,
    resId: queue,
  });
  // VERDICT_HDR: struct nfqnl_msg_verdict_hdr { __be32 verdict; __be32 id; }
  buf.writeUInt16LE(NLA_HDRLEN + 8, body);
  buf.writeUInt16LE(NFQA.VERDICT_HDR, body + 2);
  buf.writeUInt32BE(v.verdict >>> 0, body + 4);
  buf.writeUInt32BE(v.id >>> 0, body + 8);
  let end = body + NLA_HDRLEN + 8;
  if (v.mark !== undefined) end = writeAttrU32be(buf, end, NFQA.MARK, v.mark);
  return finishMessage(buf, off, end);
}
