// The NFQUEUE runtime and service on a fake socket: WAN marks in verdicts, the kernel's choice on undefined or errors, stats.
import assert from 'node:assert/strict';
import { NF_REPEAT, type QueuedPacket } from './messages.ts';
import { NfqueueRuntime, type RuntimeWan } from './runtime.ts';
import { NFQ_DONE_BIT, startNfqueue } from './index.ts';
import { fakeTransport, inTurn, packetMessage, verdictsIn } from './testing.ts';

const MASK = 0xff00;
const WANS: RuntimeWan[] = [
  { name: 'isp1', mark: 0x3900 },
  { name: 'isp2', mark: 0xa300 },
];
const syn = Buffer.from('4500003c34024000400600000a4d0002cb00710a9c400050', 'hex');
const pkt = (id: number, mark = 0, payload = syn): QueuedPacket => ({
  queue: 0,
  id,
  hwProtocol: 0x800,
  hook: 0,
  mark,
  indev: 2,
  payload,
});
const runtimeWith = (decide: () => string | undefined) =>
  new NfqueueRuntime({
    mask: MASK,
    doneBit: NFQ_DONE_BIT,
    wans: () => WANS,
    strategy: { name: 't', decide },
    ifName: (i) => (i === 2 ? 'lan0' : undefined),
  });

describe('nfqueue runtime', () => {
  it('marks the chosen WAN in mwan bits, keeps the other bits, adds the done bit, NF_REPEAT', () => {
    const rt = runtimeWith(() => 'isp2');
    assert.deepEqual(rt.handle(pkt(5, 0x0001_3900)), {
      id: 5,
      verdict: NF_REPEAT,
      mark: (0x0001_a300 | NFQ_DONE_BIT) >>> 0,
    });
    assert.deepEqual(rt.stats.decided, { isp2: 1 });
  });

  it('passes the strategy the connection: addresses, ports, protocol, input interface, mark', () => {
    let seen: unknown;
    const rt = new NfqueueRuntime({
      mask: MASK,
      doneBit: NFQ_DONE_BIT,
      wans: () => WANS,
      ifName: () => 'lan0',
      strategy: {
        name: 't',
        decide: (c) => {
          seen = c;
          return undefined;
        },
      },
    });
    rt.handle(pkt(1, 0x3900));
    assert.deepEqual(seen, {
      family: 'ipv4',
      src: '10.77.0.2',
      dst: '203.0.113.10',
      sport: 40000,
      dport: 80,
      proto: 'tcp',
      iif: 'lan0',
      iifIndex: 2,
      mark: 0x3900,
    });
  });

  it("keeps the kernel's choice when the strategy says undefined, throws, or names a WAN it may not use", () => {
    const keep = (id: number) => ({ id, verdict: NF_REPEAT, mark: (0x3900 | NFQ_DONE_BIT) >>> 0 });
    const problems: string[] = [];
    const undef = runtimeWith(() => undefined);
    assert.deepEqual(undef.handle(pkt(1, 0x3900)), keep(1));
    assert.equal(undef.stats.kernelChoice, 1);
    const thrower = new NfqueueRuntime({
      mask: MASK,
      doneBit: NFQ_DONE_BIT,
      wans: () => WANS,
      onProblem: (w) => problems.push(w),
      strategy: {
        name: 'bad',
        decide: () => {
          throw new Error('boom');
        },
      },
    });
    assert.deepEqual(thrower.handle(pkt(2, 0x3900)), keep(2));
    assert.deepEqual(thrower.handle(pkt(3, 0x3900)), keep(3));
    assert.equal(thrower.stats.strategyErrors, 2);
    assert.equal(problems.length, 1, 'one log line per second, not one per packet');
    assert.match(problems[0], /strategy bad threw: boom; the kernel's choice stands/);
    const stranger = runtimeWith(() => 'isp9');
    assert.deepEqual(stranger.handle(pkt(4, 0x3900)), keep(4));
    assert.equal(stranger.stats.strategyErrors, 1);
  });

  it('accepts what is not IPv4 with the done bit and counts it', () => {
    const rt = runtimeWith(() => 'isp1');
    assert.equal(rt.handle(pkt(1, 0, Buffer.from('60000000', 'hex'))).mark, NFQ_DONE_BIT);
    assert.equal(rt.stats.notIpv4, 1);
  });
});

describe('nfqueue service', () => {
  it('binds, decides in turn over the WANs, answers one burst in one datagram, closes', async () => {
    const t = fakeTransport();
    const svc = await startNfqueue({
      queue: 3,
      strategy: 'in-turn',
      factory: inTurn,
      wans: () => WANS,
      mask: MASK,
      transport: t,
    });
    t.sent.length = 0;
    t.inject(Buffer.concat([1, 2, 3].map((id) => packetMessage(id, { queue: 3, mark: 0x3900 }))));
    await new Promise((r) => setImmediate(r));
    assert.equal(t.sent.length, 1);
    const d = NFQ_DONE_BIT;
    assert.deepEqual(verdictsIn(t.sent[0]), [
      ['one', NF_REPEAT, 1, (0x3900 | d) >>> 0],
      ['one', NF_REPEAT, 2, (0xa300 | d) >>> 0],
      ['one', NF_REPEAT, 3, (0x3900 | d) >>> 0],
    ]);
    assert.deepEqual(svc.stats().decided, { isp1: 2, isp2: 1 });
    await svc.close();
    assert.ok(t.closed);
  });

  it('rejects and closes the socket when the queue cannot be bound', async () => {
    const t = fakeTransport(() => 1);
    await assert.rejects(
      startNfqueue({ queue: 0, strategy: 'in-turn', factory: inTurn, wans: () => WANS, mask: MASK, transport: t }),
      /EPERM/,
    );
    assert.ok(t.closed);
  });
});
