// Tests the fastest-response runner: a learner per family (IPv6 in ipv6.mode npt), each writing its own map from its family's conntrack events.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import type { ConntrackRecord } from '../../core/system/conntrack/parse.ts';
import { MemoryConntrack } from '../../core/system/memory.ts';
import type { MapElement } from '../../core/system/kernel/nft-elements.ts';
import type { PluginContext, WorldView } from '../../plugin-api/types.ts';
import { link, worldFrom } from '../testing.ts';
import marker from './marker.ts';
import { startFastest } from './fastest-runner.ts';
import { waitFor } from '../../test/kit/time.ts';

const network = {
  links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
};
const v6 = (i: number) => ({
  address: `2001:db8:${i}::2/64`,
  gateway: `2001:db8:${i}::1`,
  prefix: `2001:db8:${i}:100::/56`,
});
const worldOf = (npt: boolean): WorldView =>
  worldFrom(
    {
      wans: [
        { name: 'isp1', device: 'wan1', ipv6: v6(1) },
        { name: 'isp2', device: 'wan2', ipv6: v6(2) },
      ],
      lan: [{ device: 'lan0' }],
      ...(npt ? { ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] } } : {}),
      policies: { f: { strategy: 'fastest-response', intervalMs: 200 } },
      defaultPolicy: 'f',
    },
    network,
    [marker],
  );

function fakeContext(world: WorldView) {
  const feed = new MemoryConntrack();
  const writes: { map: string; add: MapElement[]; remove: string[] }[] = [];
  const ctx = {
    name: 'policies',
    config: world.config,
    options: {},
    log: silentLogger(),
    bus: new EventBus(),
    world: () => world,
    system: {
      conntrack: feed,
      updateMap: async (map: string, add: MapElement[], remove: string[]) => {
        writes.push({ map, add, remove });
      },
    },
  } as unknown as PluginContext;
  return { ctx, feed, writes };
}

/** A handshake on WAN `mark` to `dst` answered after `ms`. */
function handshake(feed: MemoryConntrack, id: number, mark: number, dst: string, ms: number): void {
  const at = Date.now() / 1000;
  const base: ConntrackRecord = {
    type: 'NEW',
    id,
    proto: 'tcp',
    src: 'fd00:77::2',
    dst,
    mark,
    unreplied: true,
    ts: at,
  };
  feed.emit(base);
  feed.emit({ ...base, type: 'UPDATE', state: 'SYN_RECV', unreplied: false, ts: at + ms / 1000 });
}

describe('fastest-response runner', () => {
  it('in npt mode learns IPv6 destinations into fastest6_<policy> and IPv4 ones into fastest_<policy>, apart', async () => {
    const world = worldOf(true);
    const [m1, m2] = ['isp1', 'isp2'].map((n) => world.wans.find((w) => w.name === n)!.mark);
    const f = fakeContext(world);
    const stop = startFastest(f.ctx);
    try {
      assert.equal(f.feed.subscribers.size, 2, 'a learner per family');
      handshake(f.feed, 1, m1, '2001:db8:ff:1::10', 900);
      handshake(f.feed, 2, m2, '2001:db8:ff:2::20', 20);
      handshake(f.feed, 3, m1, '203.0.113.10', 10);
      handshake(f.feed, 4, m2, '203.0.113.11', 300);
      // Inbound to the router's own IPv6 (its WAN address, a LAN address behind its prefix): never learned.
      handshake(f.feed, 5, m1, '2001:db8:1::2', 5);
      handshake(f.feed, 6, m2, '2001:db8:1::2', 1);
      handshake(f.feed, 7, m2, '2001:db8:2:105::9', 5);
      handshake(f.feed, 8, m1, '2001:db8:2:105::9', 1);
      await waitFor(() => f.writes.length === 2, 5000, 'both maps written');
      const byMap = Object.fromEntries(f.writes.map((w) => [w.map, w.add.map((e) => [e.key, e.mark])]));
      assert.deepEqual(byMap, {
        fastest6_f: [['2001:db8:ff::', m2]],
        fastest_f: [['203.0.113.0', m1]],
      });
    } finally {
      stop();
    }
    assert.equal(f.feed.subscribers.size, 0, 'stop unsubscribes both learners');
  });

  it('without npt only the IPv4 learner runs: IPv6 flows are not learned', async () => {
    const world = worldOf(false);
    const [m1, m2] = ['isp1', 'isp2'].map((n) => world.wans.find((w) => w.name === n)!.mark);
    const f = fakeContext(world);
    const stop = startFastest(f.ctx);
    try {
      assert.equal(f.feed.subscribers.size, 1);
      handshake(f.feed, 1, m1, '2001:db8:ff:1::10', 900);
      handshake(f.feed, 2, m2, '2001:db8:ff:2::20', 20);
      await new Promise((r) => setTimeout(r, 600));
      assert.deepEqual(f.writes, []);
    } finally {
      stop();
    }
  });
});
