// Tests the DNS wire encoder/decoder against hand-assembled bytes, compression pointers and malformed input.
import assert from 'node:assert/strict';
import { decodeMessage, encodeName, encodeQuery, encodeResponse, RCODE, TYPE_A } from './dns-wire.ts';

describe('DNS wire format', () => {
  it('encodes an A query exactly as RFC 1035 lays it out', () => {
    const q = encodeQuery(0xbeef, 'health.example.');
    assert.equal(
      q.toString('hex'),
      'beef' +
        '0100' +
        '0001' +
        '0000' +
        '0000' +
        '0000' +
        '06' +
        Buffer.from('health').toString('hex') +
        '07' +
        Buffer.from('example').toString('hex') +
        '00' +
        '0001' +
        '0001',
    );
  });

  it('encodes the root and refuses bad names', () => {
    assert.equal(encodeName('.').toString('hex'), '00');
    assert.equal(encodeName('').toString('hex'), '00');
    assert.throws(() => encodeName('a..b'), /label "" must be 1..63/);
    assert.throws(() => encodeName(`${'x'.repeat(64)}.test`), /label "x{64}"/);
    assert.throws(() => encodeName(Array(130).fill('ab').join('.')), /longer than 255 bytes/);
    assert.throws(() => encodeName('bad name.test'), /printable ASCII/);
  });

  it('decodes its own query', () => {
    const m = decodeMessage(encodeQuery(7, 'mwan-probe.invalid'));
    assert.deepEqual(m, {
      id: 7,
      response: false,
      opcode: 0,
      rcode: 0,
      truncated: false,
      questions: [{ name: 'mwan-probe.invalid', type: TYPE_A, class: 1 }],
      answers: [],
    });
  });

  it('round-trips a response with compressed answer names', () => {
    const r = encodeResponse({
      id: 0x1234,
      name: 'Health.Test',
      rcode: RCODE.NOERROR,
      addresses: ['198.51.100.6', '203.0.113.10'],
      ttl: 60,
    });
    const m = decodeMessage(r);
    assert.equal(m.id, 0x1234);
    assert.equal(m.response, true);
    assert.equal(m.rcode, 0);
    assert.deepEqual(m.questions, [{ name: 'Health.Test', type: 1, class: 1 }]);
    assert.deepEqual(
      m.answers.map((a) => [a.name, a.type, a.ttl, a.address]),
      [
        ['Health.Test', 1, 60, '198.51.100.6'],
        ['Health.Test', 1, 60, '203.0.113.10'],
      ],
    );
  });

  it('decodes NXDOMAIN, the TC bit and a real resolver reply (bytes as dig shows them)', () => {
    assert.equal(decodeMessage(encodeResponse({ id: 1, name: 'x.invalid', rcode: RCODE.NXDOMAIN })).rcode, 3);
    // example.com. A 93.184.215.14 from a recursive resolver: flags 8180, one question, one answer (pointer c00c).
    const real = Buffer.from(
      'abcd81800001000100000000076578616d706c6503636f6d0000010001c00c000100010000012c00045db8d70e',
      'hex',
    );
    const m = decodeMessage(real);
    assert.deepEqual(
      [m.id, m.response, m.rcode, m.questions[0].name, m.answers[0].address, m.answers[0].ttl],
      [0xabcd, true, 0, 'example.com', '93.184.215.14', 300],
    );
    const tc = Buffer.from(real);
    tc.writeUInt16BE(0x8380, 2);
    assert.equal(decodeMessage(tc).truncated, true);
  });

  it('throws on truncated messages and pointer loops', () => {
    assert.throws(() => decodeMessage(Buffer.alloc(5)), /truncated in the header/);
    const q = encodeQuery(1, 'a.test');
    assert.throws(() => decodeMessage(q.subarray(0, q.length - 2)), /truncated in a question/);
    const loop = Buffer.from('000181800001000000000000c00c00010001', 'hex');
    assert.throws(() => decodeMessage(loop), /too many compression pointers/);
    const r = encodeResponse({ id: 1, name: 'a.test', addresses: ['192.0.2.1'] });
    assert.throws(() => decodeMessage(r.subarray(0, r.length - 1)), /truncated in record data/);
  });
});
