// Netlink framing for nfnetlink: nlmsghdr, nfgenmsg and nlattr TLVs (host-order headers, 4-byte alignment), encode and walk.

/** struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid (host byte order). */
export const NLMSG_HDRLEN = 16;
/** struct nfgenmsg: u8 family, u8 version, __be16 res_id. */
export const NFGENMSG_LEN = 4;
/** struct nlattr: u16 len, u16 type (host byte order). */
export const NLA_HDRLEN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
/** NLA_F_NESTED | NLA_F_NET_BYTEORDER: flag bits in nla_type, masked off when reading the type. */
export const NLA_TYPE_MASK = 0x3fff;
export const NFNETLINK_V0 = 0;

export const align4 = (n: number): number => (n + 3) & ~3;

export interface Attr {
  type: number;
  value: Buffer;
}

/** Total length of one attribute carrying `valueLen` bytes, padding included. */
export const attrSpace = (valueLen: number): number => align4(NLA_HDRLEN + valueLen);

/** Writes one attribute at `off` (zeroing the padding); returns the offset after it. */
export function writeAttr(buf: Buffer, off: number, type: number, value: Uint8Array): number {
  const len = NLA_HDRLEN + value.length;
  buf.writeUInt16LE(len, off);
  buf.writeUInt16LE(type, off + 2);
  buf.set(value, off + NLA_HDRLEN);
  const end = off + align4(len);
  buf.fill(0, off + len, end);
  return end;
}

/** Writes an attribute holding one big-endian u32 (nfnetlink's integer attributes); returns the offset after it. */
export function writeAttrU32be(buf: Buffer, off: number, type: number, value: number): number {
  buf.writeUInt16LE(NLA_HDRLEN + 4, off);
  buf.writeUInt16LE(type, off + 2);
  buf.writeUInt32BE(value >>> 0, off + NLA_HDRLEN);
  return off + NLA_HDRLEN + 4;
}

/** Writes nlmsghdr + nfgenmsg at `off`; the caller fixes the length with `finishMessage`. Returns the payload offset. */
export function writeNfHeader(
  buf: Buffer,
  off: number,
  h: { type: number; flags: number; seq: number; family: number; resId: number },
): number {
  buf.writeUInt32LE(0, off);
  buf.writeUInt16LE(h.type, off + 4);
  buf.writeUInt16LE(h.flags, off + 6);
  buf.writeUInt32LE(h.seq >>> 0, off + 8);
  buf.writeUInt32LE(0, off + 12);
  buf.writeUInt8(h.family, off + 16);
  buf.writeUInt8(NFNETLINK_V0, off + 17);
  buf.writeUInt16BE(h.resId, off + 18);
  return off + NLMSG_HDRLEN + NFGENMSG_LEN;
}

/** Sets nlmsg_len of the message that starts at `start` and ends at `end`. */
export function finishMessage(buf: Buffer, start: number, end: number): number {
  buf.writeUInt32LE(end - start, start);
  return end;
}

/** One whole nfnetlink message (header, nfgenmsg, attributes) in a fresh buffer. */
export function encodeNfMessage(
  h: { type: number; flags: number; seq: number; family: number; resId: number },
  attrs: Attr[],
): Buffer {
  const size = NLMSG_HDRLEN + NFGENMSG_LEN + attrs.reduce((n, a) => n + attrSpace(a.value.length), 0);
  const buf = Buffer.alloc(size);
  let off = writeNfHeader(buf, 0, h);
  for (const a of attrs) off = writeAttr(buf, off, a.type, a.value);
  finishMessage(buf, 0, off);
  return buf;
}

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Offsets of the message's payload (after nlmsghdr) inside the datagram. */
  start: number;
  end: number;
}

/** Splits a datagram into netlink messages (stops at a malformed length). */
export function* messages(buf: Buffer): Generator<NlMessage> {
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) return;
    yield {
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      start: off + NLMSG_HDRLEN,
      end: off + len,
    };
    off += align4(len);
  }
}

/** Calls `fn(type, valueStart, valueEnd)` for each attribute in [start, end) (type without the flag bits). */
export function eachAttr(
  buf: Buffer,
  start: number,
  end: number,
  fn: (type: number, from: number, to: number) => void,
): void {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) return;
    fn(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, off + NLA_HDRLEN, off + len);
    off += align4(len);
  }
}

/** The errno of an NLMSG_ERROR message (0 = an acknowledgement), as a positive number. */
export function errorCode(buf: Buffer, m: NlMessage): number {
  const e = m.end - m.start >= 4 ? buf.readInt32LE(m.start) : 0;
  return e === 0 ? 0 : -e;
}

/** The sequence number of the request an NLMSG_ERROR answers (from the echoed header). */
export function errorSeq(buf: Buffer, m: NlMessage): number | undefined {
  return m.end - m.start >= 4 + NLMSG_HDRLEN ? buf.readUInt32LE(m.start + 4 + 8) : undefined;
}
