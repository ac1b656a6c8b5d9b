// The few bytes of the DNS wire format (RFC 1035) a health probe needs: encode a query or a response, decode a message.

export const TYPE_A = 1;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}
export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Buffer;
  address?: string;
}
export interface DnsMessage {
  id: number;
  /** True for a response (QR bit). */
  response: boolean;
  opcode: number;
  rcode: number;
  truncated: boolean;
  questions: DnsQuestion[];
  answers: DnsRecord[];
}

/** A name in wire form: labels of 1..63 bytes, 255 bytes in all; "" or "." is the root. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length < 1 || bytes.length > 63 || !/^[\x21-\x7e]+$/.test(label)) {
      throw new Error(
        `DNS name ${JSON.stringify(name)}: label ${JSON.stringify(label)} must be 1..63 printable ASCII characters`,
      );
    }
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new Error(`DNS name ${JSON.stringify(name)} is longer than 255 bytes`);
  return out;
}

function header(id: number, flags: number, qd: number, an: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  return h;
}

function question(name: string, type: number): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([encodeName(name), tail]);
}

/** A standard query (recursion desired) for `name` of `type` (default A), class IN. */
export function encodeQuery(id: number, name: string, type = TYPE_A): Buffer {
  return Buffer.concat([header(id, 0x0100, 1, 0), question(name, type)]);
}

/** A response echoing the question, with A records for `addresses` (for test responders). */
export function encodeResponse(o: {
  id: number;
  name: string;
  type?: number;
  rcode?: number;
  addresses?: string[];
  ttl?: number;
}): Buffer {
  const type = o.type ?? TYPE_A;
  const addrs = o.addresses ?? [];
  // QR, opcode 0, RD and RA set, the rcode in the low 4 bits.
  const flags = 0x8180 | ((o.rcode ?? RCODE.NOERROR) & 0xf);
  const answers = addrs.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(o.ttl ?? 0, 6);
    rr.writeUInt16BE(4, 10);
    const octets = a.split('.').map(Number);
    if (octets.length !== 4 || octets.some((x) => !Number.isInteger(x) || x < 0 || x > 255))
      throw new Error(`not an IPv4 address: ${a}`);
    Buffer.from(octets).copy(rr, 12);
    return rr;
  });
  return Buffer.concat([header(o.id, flags, 1, answers.length), question(o.name, type), ...answers]);
}

/** Reads a possibly compressed name at `offset`; returns it and the offset just past it in the message. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 127) throw new Error('DNS name: too many compression pointers');
    if (pos >= buf.length) throw new Error('DNS name runs past the end of the message');
    const len = buf[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Error('DNS name: truncated compression pointer');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1];
      continue;
    }
    if ((len & 0xc0) !== 0) throw new Error(`DNS name: unknown label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new Error('DNS label runs past the end of the message');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return [labels.join('.'), end];
}

function need(buf: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > buf.length) throw new Error(`DNS message truncated in ${what}`);
}

/** Decodes a message's header, questions and answers; throws on anything malformed. */
export function decodeMessage(buf: Buffer): DnsMessage {
  need(buf, 0, 12, 'the header');
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let pos = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) {
    const [name, next] = readName(buf, pos);
    need(buf, next, 4, 'a question');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) {
    const [name, next] = readName(buf, pos);
    need(buf, next, 10, 'a record');
    const type = buf.readUInt16BE(next);
    const len = buf.readUInt16BE(next + 8);
    need(buf, next + 10, len, 'record data');
    const data = Buffer.from(buf.subarray(next + 10, next + 10 + len));
    const rec: DnsRecord = { name, type, class: buf.readUInt16BE(next + 2), ttl: buf.readUInt32BE(next + 4), data };
    if (type === TYPE_A && len === 4) rec.address = [...data].join('.');
    answers.push(rec);
    pos = next + 10 + len;
  }
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    truncated: (flags & 0x0200) !== 0,
    questions,
    answers,
  };
}
