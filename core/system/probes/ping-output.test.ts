// Tests the ping output parser on real iputils lines (ping -n -O -D), sequence unwrapping and the -i argument.
import assert from 'node:assert/strict';
import { parsePingLine, pingIntervalArg, unwrapSeq } from './ping-output.ts';

describe('ping output parser', () => {
  it('reads a reply with its -D timestamp, sequence and time', () => {
    assert.deepEqual(parsePingLine('[1795450654.953386] 64 bytes from 203.0.113.10: icmp_seq=1 ttl=63 time=0.368 ms'), {
      kind: 'reply',
      seq: 1,
      rttMs: 0.368,
      dup: false,
      at: 1795450654953.386,
    });
  });

  it('reads replies without -D, with (DUP!), (truncated) and the old time<1 form', () => {
    assert.deepEqual(parsePingLine('64 bytes from 127.0.0.1: icmp_seq=4 ttl=64 time=0.047 ms'), {
      kind: 'reply',
      seq: 4,
      rttMs: 0.047,
      dup: false,
    });
    assert.deepEqual(parsePingLine('64 bytes from 203.0.113.10: icmp_seq=7 ttl=63 time=12.5 ms (DUP!)'), {
      kind: 'reply',
      seq: 7,
      rttMs: 12.5,
      dup: true,
    });
    assert.deepEqual(parsePingLine('[1.5] 28 bytes from 10.0.0.1: icmp_seq=9 ttl=64 time=1.02 ms (truncated)'), {
      kind: 'reply',
      seq: 9,
      rttMs: 1.02,
      dup: false,
      at: 1500,
    });
    assert.deepEqual(parsePingLine('64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time<1 ms'), {
      kind: 'reply',
      seq: 2,
      rttMs: 1,
      dup: false,
    });
    assert.deepEqual(parsePingLine('64 bytes from gw.example (192.0.2.1): icmp_seq=3 ttl=64 time=2.10 ms'), {
      kind: 'reply',
      seq: 3,
      rttMs: 2.1,
      dup: false,
    });
  });

  it('reads -O "no answer yet" lines', () => {
    assert.deepEqual(parsePingLine('[1795450655.456772] no answer yet for icmp_seq=6'), {
      kind: 'no-answer',
      seq: 6,
      at: 1795450655456.772,
    });
    assert.deepEqual(parsePingLine('no answer yet for icmp_seq=65535'), { kind: 'no-answer', seq: 65535 });
  });

  it('reads ICMP errors about a request', () => {
    assert.deepEqual(parsePingLine('[1795450700.100000] From 100.64.2.1 icmp_seq=3 Destination Host Unreachable'), {
      kind: 'error',
      seq: 3,
      from: '100.64.2.1',
      message: 'Destination Host Unreachable',
      at: 1795450700100,
    });
    assert.deepEqual(parsePingLine('From 198.51.100.5 icmp_seq=12 Time to live exceeded'), {
      kind: 'error',
      seq: 12,
      from: '198.51.100.5',
      message: 'Time to live exceeded',
    });
    assert.deepEqual(parsePingLine('From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)'), {
      kind: 'error',
      seq: 1,
      from: '10.0.0.1',
      message: 'Frag needed and DF set (mtu = 1400)',
    });
  });

  it('leaves the banner, the statistics, blank lines and redirects as other', () => {
    for (const line of [
      'PING 203.0.113.10 (203.0.113.10) from 100.64.2.2 : 56(84) bytes of data.',
      '--- 203.0.113.10 ping statistics ---',
      '11 packets transmitted, 0 received, 100% packet loss, time 907ms',
      'rtt min/avg/max/mdev = 0.018/0.139/0.434/0.149 ms, pipe 2',
      '',
      'From 100.64.1.1 icmp_seq=2 Redirect Host(New nexthop: 100.64.1.5)',
    ])
      assert.equal(parsePingLine(line).kind, 'other', line);
  });

  it('unwraps 16-bit sequence numbers around the expected one', () => {
    assert.equal(unwrapSeq(5, 5), 5);
    assert.equal(unwrapSeq(3, 5), 3);
    assert.equal(unwrapSeq(0, 65535), 65536);
    assert.equal(unwrapSeq(2, 65535), 65538);
    assert.equal(unwrapSeq(65534, 65536), 65534);
    assert.equal(unwrapSeq(10, 3 * 65536 + 5), 3 * 65536 + 10);
  });

  it('gives -i a value ping truncates to the right whole ms', () => {
    for (const ms of [20, 100, 200, 290, 1000, 1500, 60000]) {
      assert.equal(Math.trunc(Number(pingIntervalArg(ms)) * 1000), ms, `${ms} → ${pingIntervalArg(ms)}`);
    }
  });
});
