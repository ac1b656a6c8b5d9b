// The NFQUEUE client against a fake netlink socket: bind with acks, kernel refusals, packets in, verdicts out in one datagram, batching.
import assert from 'node:assert/strict';
import { NLMSG_ERROR } from './netlink-frame.ts';
import { NF_ACCEPT, NF_REPEAT } from './messages.ts';
import { NfqueueClient, encodeVerdicts } from './client.ts';
import { fakeTransport, packetMessage, verdictsIn } from './testing.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('nfqueue client', () => {
  it('binds with two acknowledged config requests', async () => {
    const t = fakeTransport();
    const c = new NfqueueClient(t, { queue: 4 }, () => {});
    await c.bind();
    assert.equal(t.sent.length, 2);
    assert.equal(c.config.copyRange, 64);
  });

  it('rejects naming the reason when the kernel refuses (EPERM: the queue is taken)', async () => {
    const t = fakeTransport(() => 1);
    const c = new NfqueueClient(t, { queue: 4 }, () => {});
    await assert.rejects(c.bind(), /bind queue 4: EPERM \(another process holds this queue/);
  });

  it('sends the verdicts of one event-loop turn in one datagram', async () => {
    const t = fakeTransport();
    const c: NfqueueClient = new NfqueueClient(t, { queue: 0 }, (p) =>
      c.verdict({ id: p.id, verdict: NF_REPEAT, mark: p.id % 2 ? 0x100 : 0x200 }),
    );
    await c.bind();
    t.sent.length = 0;
    t.inject(Buffer.concat([packetMessage(1), packetMessage(2), packetMessage(3)]));
    await tick();
    assert.equal(t.sent.length, 1);
    assert.deepEqual(verdictsIn(t.sent[0]), [
      ['one', NF_REPEAT, 1, 0x100],
      ['one', NF_REPEAT, 2, 0x200],
      ['one', NF_REPEAT, 3, 0x100],
    ]);
    assert.equal(c.stats.packets, 3);
    assert.equal(c.stats.sends, 1);
  });

  it('a throwing handler still gets its packet accepted', async () => {
    const t = fakeTransport();
    const c = new NfqueueClient(t, { queue: 0 }, () => {
      throw new Error('bug');
    });
    t.inject(packetMessage(9));
    await tick();
    assert.deepEqual(verdictsIn(t.sent[0]), [['one', NF_ACCEPT, 9, undefined]]);
  });

  it('counts kernel errors for verdicts and unbinds on close', async () => {
    const t = fakeTransport();
    const problems: string[] = [];
    const c = new NfqueueClient(
      t,
      { queue: 0 },
      () => {},
      (w) => problems.push(w),
    );
    const err = Buffer.alloc(20);
    err.writeUInt32LE(20, 0);
    err.writeUInt16LE(NLMSG_ERROR, 4);
    err.writeInt32LE(-2, 16);
    t.inject(err);
    assert.equal(c.stats.kernelErrors, 1);
    assert.match(problems[0], /ENOENT/);
    await c.close();
    assert.ok(t.closed);
  });
});

describe('verdict batching', () => {
  it('folds a run of equal verdicts with rising ids into one NFQNL_MSG_VERDICT_BATCH for the last id', () => {
    const vs = [
      { id: 1, verdict: NF_REPEAT, mark: 5 },
      { id: 2, verdict: NF_REPEAT, mark: 5 },
      { id: 3, verdict: NF_REPEAT, mark: 5 },
      { id: 4, verdict: NF_REPEAT, mark: 6 },
      { id: 5, verdict: NF_ACCEPT },
      { id: 6, verdict: NF_ACCEPT },
    ];
    const { buf, batches } = encodeVerdicts(0, vs);
    assert.equal(batches, 2);
    assert.deepEqual(verdictsIn(buf), [
      ['batch', NF_REPEAT, 3, 5],
      ['one', NF_REPEAT, 4, 6],
      ['batch', NF_ACCEPT, 6, undefined],
    ]);
    assert.equal(verdictsIn(encodeVerdicts(0, vs, false).buf).length, 6);
  });
});
