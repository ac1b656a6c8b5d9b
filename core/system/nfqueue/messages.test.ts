// Byte fixtures for NFQUEUE messages, laid out from linux/netlink.h and linux/netfilter/nfnetlink_queue.h, and one packet captured from the kernel.
import assert from 'node:assert/strict';
import { NLMSG_ERROR, errorCode, errorSeq, eachAttr, messages } from './netlink-frame.ts';
import {
  NFQA,
  NFQA_CFG_F_FAIL_OPEN,
  NF_ACCEPT,
  NF_REPEAT,
  VERDICT_MSG_LEN,
  configCmd,
  configParams,
  decodePacket,
  encodeBindRequests,
  encodeUnbind,
  msgType,
  NFQNL_MSG_PACKET,
  writeVerdict,
} from './messages.ts';
import { parseIpv4 } from './packet.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// A SYN from 10.77.0.2:51852 to 203.0.113.10:80 queued in prerouting, as the kernel sent it (lab capture, copy range 64).
const CAPTURED = hex(`94000000 0003 0000 00000000 00000000  02 00 0000
  0b00 0100 00000001 0800 00 00   0800 0300 00003900   0800 0500 00000002
  1000 0900 0006 0000 1e461589952b 0000   1400 0400 00000000 6b0474fa 00000000 000685b0
  4000 0a00 4500003c 34024000 4006c060 0a4d0002 cb00710a ca8c0050 77e35c8f 00000000 a002faf0 b4d00000 020405b4 0402080a 638d4f05 00000000 0103030a`);
// The kernel's acknowledgement of a config request with seq 0x27960140 (NLM_F_CAPPED: the request header only).
const ACK = hex('24000000 0200 0001 40019627 6f500008  00000000  1c000000 0203 0500 40019627 00000000');

describe('nfqueue messages', () => {
  it('encodes the bind command: nfqnl_msg_config_cmd { u8 command, u8 pad, be16 pf } in NFQA_CFG_CMD', () => {
    assert.deepEqual(configCmd(1, 2), hex('01 00 0002'));
    const [bind] = encodeBindRequests(
      { queue: 7, copyRange: 64, maxLen: 1024, flags: NFQA_CFG_F_FAIL_OPEN },
      0x11223344,
    );
    assert.deepEqual(bind, hex(`1c000000 0203 0500 44332211 00000000  00 00 0007  0800 0100 01000002`));
  });

  it('encodes copy mode packet, 64 bytes, queue length and the fail-open flag with its mask', () => {
    assert.deepEqual(configParams(64, 2), hex('00000040 02'));
    const [, params] = encodeBindRequests({ queue: 7, copyRange: 64, maxLen: 1024, flags: NFQA_CFG_F_FAIL_OPEN }, 9);
    assert.deepEqual(
      params,
      hex(`38000000 0203 0500 0a000000 00000000  00 00 0007
      0900 0200 00000040 02 000000   0800 0300 00000400   0800 0500 00000001   0800 0400 00000001`),
    );
  });

  it('encodes unbind', () => {
    assert.deepEqual(encodeUnbind(3, 1), hex('1c000000 0203 0500 01000000 00000000 00 00 0003 0800 0100 02000002'));
  });

  it('decodes the captured packet: id, hook, hardware protocol, mark, input interface, the 60-byte payload', () => {
    const [m] = [...messages(CAPTURED)];
    assert.equal(m.type, msgType(NFQNL_MSG_PACKET));
    const p = decodePacket(CAPTURED, m.start, m.end)!;
    assert.deepEqual(
      { ...p, payload: p.payload.length },
      { queue: 0, id: 1, hwProtocol: 0x0800, hook: 0, mark: 0x3900, indev: 2, payload: 60 },
    );
    assert.deepEqual(parseIpv4(p.payload), {
      src: '10.77.0.2',
      dst: '203.0.113.10',
      proto: 6,
      sport: 51852,
      dport: 80,
    });
  });

  it('reads a kernel acknowledgement: error 0 and the sequence number of the request', () => {
    const [m] = [...messages(ACK)];
    assert.equal(m.type, NLMSG_ERROR);
    assert.equal(m.seq, 0x27960140);
    assert.equal(errorCode(ACK, m), 0);
    assert.equal(errorSeq(ACK, m), 0x27960140);
    const busy = Buffer.from(ACK);
    busy.writeInt32LE(-16, 16);
    assert.equal(errorCode(busy, [...messages(busy)][0]), 16);
  });

  it('encodes a verdict: nfqnl_msg_verdict_hdr { be32 verdict, be32 id } and NFQA_MARK', () => {
    const buf = Buffer.alloc(VERDICT_MSG_LEN);
    assert.equal(writeVerdict(buf, 0, 5, { id: 42, verdict: NF_REPEAT, mark: 0x80003900 }), 40);
    assert.deepEqual(
      buf,
      hex('28000000 0103 0100 00000000 00000000  00 00 0005  0c00 0200 00000004 0000002a  0800 0300 80003900'),
    );
    const small = Buffer.alloc(VERDICT_MSG_LEN);
    const end = writeVerdict(small, 0, 5, { id: 43, verdict: NF_ACCEPT }, true);
    assert.deepEqual(
      small.subarray(0, end),
      hex('20000000 0303 0100 00000000 00000000  00 00 0005  0c00 0200 00000001 0000002b'),
    );
  });

  it('round-trips a verdict through the attribute walker', () => {
    const buf = Buffer.alloc(VERDICT_MSG_LEN * 2);
    const end = writeVerdict(buf, writeVerdict(buf, 0, 1, { id: 1, verdict: NF_ACCEPT, mark: 1 }), 1, {
      id: 0xfffffffe,
      verdict: NF_REPEAT,
      mark: 0xffffffff,
    });
    const seen = [...messages(buf.subarray(0, end))].map((m) => {
      const out: Record<number, string> = {};
      eachAttr(buf, m.start + 4, m.end, (t, a, b) => {
        out[t] = buf.subarray(a, b).toString('hex');
      });
      return out;
    });
    assert.deepEqual(seen, [
      { [NFQA.VERDICT_HDR]: '0000000100000001', [NFQA.MARK]: '00000001' },
      { [NFQA.VERDICT_HDR]: '00000004fffffffe', [NFQA.MARK]: 'ffffffff' },
    ]);
  });

  it('masks the nested / byte-order flag bits of attribute types and stops at a truncated attribute', () => {
    const b = hex('0800 0340 00000007  0800 0500 0000');
    const got: number[] = [];
    eachAttr(b, 0, b.length, (t) => got.push(t));
    assert.deepEqual(got, [NFQA.MARK]);
  });
});

describe('IPv4 summary', () => {
  const syn = hex('4500003c 34024000 4006c060 0a4d0002 cb00710a ca8c0050');
  it('reads a UDP datagram and an ICMP echo (no ports)', () => {
    const udp = Buffer.from(syn);
    udp[9] = 17;
    assert.deepEqual(parseIpv4(udp), { src: '10.77.0.2', dst: '203.0.113.10', proto: 17, sport: 51852, dport: 80 });
    const icmp = Buffer.from(syn);
    icmp[9] = 1;
    assert.deepEqual(parseIpv4(icmp), { src: '10.77.0.2', dst: '203.0.113.10', proto: 1 });
  });
  it('finds the ports after IP options (IHL 6) and leaves them out for later fragments', () => {
    const opt = Buffer.concat([hex('4600003c 34024000 4006c060 0a4d0002 cb00710a 01010101'), hex('13880035')]);
    assert.equal(parseIpv4(opt)!.dport, 53);
    const frag = Buffer.from(syn);
    frag[7] = 0x10;
    assert.equal(parseIpv4(frag)!.sport, undefined);
  });
  it('refuses IPv6 and short headers', () => {
    assert.equal(parseIpv4(hex('6000000000')), null);
    assert.equal(parseIpv4(syn.subarray(0, 19)), null);
  });
});
