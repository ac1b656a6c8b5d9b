// Tests the traffic plugin on the in-memory system: counters in the table kept over re-applies, wan.traffic totals, quotas end to end.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import { silentLogger } from '../../core/log.ts';
import type { MwanEvents } from '../../core/events.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { builtinPlugins } from '../index.ts';
import { link } from '../testing.ts';
import { waitFor } from '../../test/kit/time.ts';
import { createTraffic } from './index.ts';

const plugins = (traffic = createTraffic({ readIntervalMs: 20, saveIntervalMs: 50 })) =>
  builtinPlugins.map((p) => (p.name === 'traffic' ? traffic : p));

async function start(
  system: MemorySystem,
  quota?: Record<string, unknown>,
  traffic = createTraffic({ readIntervalMs: 20, saveIntervalMs: 50 }),
) {
  const loaded = parseConfig({
    stateDir: '/state',
    lan: [{ device: 'lan0' }],
    wans: [
      { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', ...(quota ? { quota } : {}) },
      { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
    ],
  });
  const engine = await Engine.create({ loaded, system, log: silentLogger(), plugins: plugins(traffic) });
  const events: { traffic: MwanEvents['wan.traffic'][]; quota: MwanEvents['wan.quota'][] } = { traffic: [], quota: [] };
  engine.on('wan.traffic', (e) => void events.traffic.push(e));
  engine.on('wan.quota', (e) => void events.quota.push(e));
  await engine.start();
  await engine.observe();
  await engine.reconcile('start');
  return { engine, events, ids: engine.wans().map((w) => w.ids.id) };
}

const kernelOf = () =>
  new MemoryKernel({
    links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
    defaults: [],
  });

function count(kernel: MemoryKernel, id: number, rx: number, tx: number, conns = 0) {
  kernel.counterValues[`rx_wan${id}`] = { packets: Math.ceil(rx / 1500), bytes: rx };
  kernel.counterValues[`tx_wan${id}`] = { packets: Math.ceil(tx / 1500), bytes: tx };
  kernel.counterValues[`conn_wan${id}`] = { packets: conns, bytes: conns * 60 };
}

describe('traffic plugin (Engine + MemorySystem)', function () {
  this.timeout(20000);

  it('declares three counters per WAN and one counting rule per direction; a re-apply changes nothing', async () => {
    const kernel = kernelOf();
    const { engine, ids } = await start(new MemorySystem(kernel));
    const names = [...kernel.state.nft!.counters.keys()];
    for (const id of ids)
      for (const c of ['rx', 'tx', 'conn']) assert.ok(names.includes(`${c}_wan${id}`), `${c}_wan${id}`);
    assert.equal(kernel.state.nft!.chains.get('traffic_in')?.rules, 1);
    assert.equal(kernel.state.nft!.chains.get('traffic_out')?.rules, 2);
    const again = await engine.reconcile('again');
    assert.equal(again?.changed, false);
    await engine.stop();
  });

  it('publishes totals since the start, a counter made anew counted from zero', async () => {
    const kernel = kernelOf();
    const { engine, events, ids } = await start(new MemorySystem(kernel));
    count(kernel, ids[0], 1000, 500, 3);
    await waitFor(
      () => events.traffic.some((e) => e.wan === 'isp1'),
      5000,
      '() => events.traffic.some((e) => e.wan === "isp1")',
    );
    count(kernel, ids[0], 4000, 2500, 5);
    await waitFor(
      () => events.traffic.some((e) => e.wan === 'isp1' && e.rxBytes === 3000),
      5000,
      '() => events.traffic.some((e) => e.wan === "isp1" && e.rxBytes === 3000)',
    );
    count(kernel, ids[0], 100, 0, 0); // made anew
    await waitFor(
      () => events.traffic.some((e) => e.wan === 'isp1' && e.rxBytes === 3100),
      5000,
      '() => events.traffic.some((e) => e.wan === "isp1" && e.rxBytes === 3100)',
    );
    const last = events.traffic.filter((e) => e.wan === 'isp1').at(-1)!;
    assert.deepEqual([last.txBytes, last.newConnections], [2000, 2]);
    await engine.stop();
  });

  it('a quota warns at each threshold, then puts the WAN on standby; the use survives a restart', async () => {
    const kernel = kernelOf();
    const system = new MemorySystem(kernel);
    const quota = { bytes: '10kB', warnAt: [50, 80], action: 'standby' };
    const first = await start(system, quota);
    const id = first.ids[0];
    count(kernel, id, 0, 0);
    await waitFor(() => first.events.quota.length > 0, 5000, '() => first.events.quota.length > 0');
    count(kernel, id, 3000, 3000);
    await waitFor(
      () => first.events.quota.some((e) => e.threshold === 50),
      5000,
      '() => first.events.quota.some((e) => e.threshold === 50)',
    );
    count(kernel, id, 5000, 4000);
    await waitFor(
      () => first.events.quota.some((e) => e.threshold === 80),
      5000,
      '() => first.events.quota.some((e) => e.threshold === 80)',
    );
    assert.equal(first.engine.wans()[0].inService, true);
    count(kernel, id, 6000, 5000);
    await waitFor(
      () => first.events.quota.some((e) => e.state === 'exhausted' && e.threshold === 100),
      5000,
      '() => first.events.quota.some((e) => e.state === "exhausted" && e.threshold === ',
    );
    assert.equal(first.engine.wans()[0].inService, false, 'standby while isp2 serves');
    assert.ok(!first.engine.world().active.some((w) => w.name === 'isp1'));
    await first.engine.stop(); // saves
    const saved = JSON.parse(system.privateStore.get('/state/quota.json')!);
    assert.equal(saved.wans.isp1.usedBytes, 11000);

    // Restart: the kernel counted 1000 more bytes meanwhile; the new daemon adds them and keeps the WAN on standby.
    count(kernel, id, 7000, 5000);
    const second = await start(system, quota, createTraffic({ readIntervalMs: 20, saveIntervalMs: 50 }));
    assert.equal(second.engine.wans()[0].inService, false, 'still on standby after the restart');
    await waitFor(
      () => second.events.quota.some((e) => e.usedBytes === 12000),
      5000,
      '() => second.events.quota.some((e) => e.usedBytes === 12000)',
    );
    await second.engine.stop();
  });

  it('action offline leaves service even as the last WAN; a larger limit on reload restores it', async () => {
    const kernel = kernelOf();
    const system = new MemorySystem(kernel);
    const first = await start(system, { bytes: 1000, action: 'offline' });
    count(kernel, first.ids[0], 0, 0);
    await waitFor(() => first.events.quota.length > 0, 5000, '() => first.events.quota.length > 0');
    count(kernel, first.ids[0], 800, 400);
    await waitFor(
      () => first.events.quota.some((e) => e.state === 'exhausted'),
      5000,
      '() => first.events.quota.some((e) => e.state === "exhausted")',
    );
    assert.equal(first.engine.wans()[0].state, 'offline');
    assert.equal(first.engine.wans()[0].reason, 'data quota used up');
    await first.engine.stop();
    const second = await start(system, { bytes: '1MB', action: 'offline' });
    await waitFor(
      () => second.events.quota.some((e) => e.state === 'ok' && e.threshold === 0),
      5000,
      '() => second.events.quota.some((e) => e.state === "ok" && e.threshold === 0)',
    );
    assert.equal(second.engine.wans()[0].inService, true);
    await second.engine.stop();
  });
});
