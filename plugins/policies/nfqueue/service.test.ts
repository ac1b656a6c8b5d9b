// The NFQUEUE service with the least-connections strategy on a fake socket: the conntrack listing and its own decisions count.
import assert from 'node:assert/strict';
import { startNfqueue } from '../../../core/system/nfqueue/index.ts';
import type { RuntimeWan } from '../../../core/system/nfqueue/runtime.ts';
import { fakeTransport, packetMessage } from '../../../core/system/nfqueue/testing.ts';
import { leastConnections } from './least-connections.ts';

const MASK = 0xff00;
const WANS: RuntimeWan[] = [
  { name: 'isp1', mark: 0x3900 },
  { name: 'isp2', mark: 0xa300 },
];

describe('nfqueue service with least-connections', () => {
  it('least-connections reads the table before binding and counts its own decisions until conntrack confirms them', async () => {
    const t = fakeTransport();
    const svc = await startNfqueue({
      queue: 0,
      strategy: 'least-connections',
      factory: leastConnections,
      wans: () => WANS,
      mask: MASK,
      transport: t,
      conntrack: {
        subscribe: () => () => {},
        list: async () => [
          {
            type: 'LIST',
            id: 1,
            proto: 'tcp',
            state: 'ESTABLISHED',
            src: '10.0.0.9',
            dst: '192.0.2.1',
            sport: 5,
            dport: 80,
            mark: 0x3900,
          },
        ],
      },
    });
    // The listing (one connection on isp1) is read before the queue is bound: the first new one goes to isp2,
    // and each counts at once, so the rest alternate from there.
    t.inject(Buffer.concat([1, 2, 3, 4].map((id) => packetMessage(id))));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(svc.stats().decided, { isp1: 1, isp2: 3 });
    await svc.close();
  });
});
