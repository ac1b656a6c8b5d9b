// Round trips of nlmsghdr + nfgenmsg + nlattr framing: padding, several messages per datagram, malformed lengths.
import assert from 'node:assert/strict';
import { align4, attrSpace, eachAttr, encodeNfMessage, messages, writeAttr } from './netlink-frame.ts';

describe('netlink framing', () => {
  it('pads attributes to 4 bytes and zeroes the padding', () => {
    assert.equal(align4(5), 8);
    assert.equal(attrSpace(5), 12);
    const b = Buffer.alloc(12, 0xee);
    assert.equal(writeAttr(b, 0, 2, Buffer.from([1, 2, 3, 4, 5])), 12);
    assert.equal(b.toString('hex'), '0900020001020304050000' + '00');
  });

  it('encodes a message and walks it back: header fields, nfgenmsg, attributes', () => {
    const msg = encodeNfMessage({ type: 0x0302, flags: 5, seq: 77, family: 2, resId: 513 }, [
      { type: 1, value: Buffer.from('0100', 'hex') },
      { type: 10, value: Buffer.from('abcdef', 'hex') },
    ]);
    assert.equal(msg.length, 16 + 4 + 8 + 8);
    const [m] = [...messages(msg)];
    assert.deepEqual(
      { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, len: m.end - m.start },
      { type: 0x0302, flags: 5, seq: 77, pid: 0, len: 20 },
    );
    assert.deepEqual([msg[m.start], msg[m.start + 1], msg.readUInt16BE(m.start + 2)], [2, 0, 513]);
    const attrs: [number, string][] = [];
    eachAttr(msg, m.start + 4, m.end, (t, a, b) => attrs.push([t, msg.subarray(a, b).toString('hex')]));
    assert.deepEqual(attrs, [
      [1, '0100'],
      [10, 'abcdef'],
    ]);
  });

  it('splits a datagram holding several messages and stops at a length that overruns it', () => {
    const one = encodeNfMessage({ type: 1, flags: 0, seq: 1, family: 0, resId: 0 }, []);
    const two = encodeNfMessage({ type: 2, flags: 0, seq: 2, family: 0, resId: 0 }, [
      { type: 3, value: Buffer.alloc(4) },
    ]);
    const bad = Buffer.from(one);
    bad.writeUInt32LE(999, 0);
    assert.deepEqual(
      [...messages(Buffer.concat([one, two, bad]))].map((m) => m.seq),
      [1, 2],
    );
    const tiny = Buffer.from(one);
    tiny.writeUInt32LE(8, 0);
    assert.deepEqual([...messages(tiny)], []);
  });
});
