// Tests the reconciler through an Engine on the in-memory kernel with the built-in plugins: apply, no-op, WAN loss, removal, coalescing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { chainFor } from '../../plugins/policies/marker.ts';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../engine.ts';
import type { MwanEvents } from '../events.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';
import { MemoryKernel } from '../system/kernel/memory-adapter.ts';
import { MemorySystem } from '../system/memory.ts';
import { silentLogger } from '../log.ts';
import type { MwanPlugin } from '../../plugin-api/types.ts';
import { link } from '../../test/kit/link.ts';

/** Three WANs (weights 3:2:1) and one LAN, gateways learned from the main table. */
function network(): ObservedNetwork {
  return {
    links: [
      link('wan1', '100.64.1.2'),
      link('wan2', '100.64.2.2'),
      link('wan3', '100.64.3.2'),
      link('lan0', '192.168.1.1', 24),
    ],
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254, metric: 100 * i })),
  };
}

describe('Reconciler (Engine + MemoryKernel + built-in plugins)', () => {
  let stateDir: string;
  let kernel: MemoryKernel;
  let engine: Engine;
  let done: MwanEvents['reconcile.done'][];
  let failed: MwanEvents['reconcile.failed'][];

  async function start(extraPlugins: MwanPlugin[] = []) {
    const loaded = parseConfig({
      stateDir,
      lan: [{ device: 'lan0' }],
      wans: [
        { name: 'isp1', device: 'wan1', weight: 3 },
        { name: 'isp2', device: 'wan2', weight: 2 },
        { name: 'isp3', device: 'wan3', weight: 1 },
      ],
    });
    kernel = new MemoryKernel(network());
    engine = await Engine.create({
      loaded,
      system: new MemorySystem(kernel),
      log: silentLogger(),
      plugins: [...builtinPlugins, ...extraPlugins],
    });
    done = [];
    failed = [];
    engine.on('reconcile.done', (p) => {
      done.push(p);
    });
    engine.on('reconcile.failed', (p) => {
      failed.push(p);
    });
    await engine.observe();
  }

  const ids = (name: string) => engine.layout.wans.get(name)!;
  const balanceRoute = () =>
    kernel.state.routes.find((r) => r.table === engine.layout.balanceTable && r.dst === 'default');

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-reconcile-'));
    await start();
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('the first reconcile applies routes, rules and the nft table', async () => {
    const result = await engine.reconcile('start');
    assert.equal(result?.changed, true);
    assert.equal(kernel.plans.length, 1);
    assert.ok(kernel.state.nft, 'nft table created');
    assert.deepEqual(
      balanceRoute()?.nexthops?.map((n) => [n.dev, n.via, n.weight]),
      [
        ['wan1', '100.64.1.1', 3],
        ['wan2', '100.64.2.1', 2],
        ['wan3', '100.64.3.1', 1],
      ],
    );
    for (const name of ['isp1', 'isp2', 'isp3']) {
      assert.ok(
        kernel.state.rules.some((r) => r.priority === ids(name).fwmarkPriority && r.table === ids(name).table),
        `${name} fwmark rule`,
      );
      assert.ok(
        kernel.state.routes.some((r) => r.table === ids(name).table && r.dst === 'default'),
        `${name} default route`,
      );
    }
    assert.equal(done.length, 1);
    assert.deepEqual([done[0].reason, done[0].changed, done[0].ipLines], ['start', true, result!.plan.ip.length]);
    assert.ok(done[0].nftLines > 0);
  });

  it('a second reconcile with nothing changed is a no-op', async () => {
    await engine.reconcile('start');
    const again = await engine.reconcile('again');
    assert.equal(again?.changed, false);
    assert.equal(again?.plan.nft, '');
    assert.deepEqual(again?.plan.ip, []);
    assert.equal(kernel.plans.length, 1, 'nothing applied the second time');
    assert.deepEqual(
      done.map((d) => d.changed),
      [true, false],
    );
  });

  it('is still a no-op after a fresh observation of an unchanged network', async () => {
    await engine.reconcile('start');
    assert.equal(await engine.observe(), false);
    assert.equal((await engine.reconcile('again'))?.changed, false);
  });

  it('a WAN losing carrier leaves the multipath route and the balance vmap, and its own table stays', async () => {
    await engine.reconcile('start');
    kernel.network.links[2].carrier = false;
    assert.equal(await engine.observe(), true);
    const result = await engine.reconcile('wan3 down');
    assert.equal(result?.changed, true);

    assert.deepEqual(
      balanceRoute()?.nexthops?.map((n) => [n.dev, n.weight]),
      [
        ['wan1', 3],
        ['wan2', 2],
      ],
    );
    assert.ok(
      result!.plan.ip.some((l) => l.startsWith(`route replace default table ${engine.layout.balanceTable} `)),
      result!.plan.ip.join('\n'),
    );
    const [a, b] = [chainFor(ids('isp1').id), chainFor(ids('isp2').id)];
    const vmap = `numgen inc mod 5 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${a}, 3 : jump ${b}, 4 : jump ${a} }`;
    assert.ok(result!.plan.nft.includes(vmap), result!.plan.nft);
    assert.ok(!result!.plan.nft.includes(`: jump ${chainFor(ids('isp3').id)}`), 'isp3 left the vmap');
    // Its table keeps its routes (the kernel keeps them as linkdown) so return traffic and probes still work.
    assert.ok(kernel.state.routes.some((r) => r.table === ids('isp3').table && r.dst === 'default'));
    assert.equal((await engine.reconcile('settled'))?.changed, false);
  });

  it('a WAN coming back rejoins the route and the vmap', async () => {
    await engine.reconcile('start');
    kernel.network.links[2].carrier = false;
    await engine.observe();
    await engine.reconcile('down');
    kernel.network.links[2].carrier = true;
    await engine.observe();
    const result = await engine.reconcile('up');
    assert.equal(result?.changed, true);
    assert.equal(balanceRoute()?.nexthops?.length, 3);
    assert.match(result!.plan.nft, /numgen inc mod 6 vmap/);
  });

  it('a gateway change only touches routes, and the following reconcile is a no-op', async () => {
    await engine.reconcile('start');
    kernel.network.defaults[1].via = '100.64.2.5';
    await engine.observe();
    const result = await engine.reconcile('dhcp renew');
    assert.equal(result?.plan.nft, '', 'nft unchanged');
    assert.ok(result!.plan.ip.some((l) => l.includes('via 100.64.2.5')));
    assert.equal((await engine.reconcile('again'))?.changed, false);
  });

  it('the removal plan empties the memory kernel', async () => {
    await engine.reconcile('start');
    const plan = await engine.removeKernelState();
    assert.match(plan.nft, /^delete table inet mwan\b/);
    assert.ok(plan.ip.some((l) => l.startsWith('rule del ')));
    assert.ok(plan.ip.some((l) => l.startsWith('route del ')));
    assert.deepEqual(kernel.state, { nft: null, routes: [], rules: [] });
  });

  it('removal with nothing applied does nothing', async () => {
    const plan = await engine.removeKernelState();
    assert.equal(plan.nft, '');
    assert.deepEqual(plan.ip, []);
    assert.equal(kernel.plans.length, 0);
  });

  it('reconciling after removal puts everything back', async () => {
    await engine.reconcile('start');
    await engine.removeKernelState();
    await engine.observe();
    const result = await engine.reconcile('restart');
    assert.equal(result?.changed, true);
    assert.ok(kernel.state.nft);
    assert.equal(balanceRoute()?.nexthops?.length, 3);
  });

  it('a reconcile right after removal (no new observation) puts everything back', async () => {
    await engine.reconcile('start');
    await engine.removeKernelState();
    const result = await engine.reconcile('restart');
    assert.equal(result?.changed, true);
    assert.ok(kernel.state.nft);
  });

  it('coalesces requests made while a reconcile runs into one follow-up run', async () => {
    // the memory kernel lists no foreign routes, so Engine.reconcile hands each request to the reconciler at once
    const p1 = engine.reconcile('a');
    const p2 = engine.reconcile('b');
    const p3 = engine.reconcile('c');
    const p4 = engine.reconcile('b');
    const results = await Promise.all([p1, p2, p3, p4]);
    assert.deepEqual(
      done.map((d) => d.reason),
      ['a', 'b; c'],
    );
    assert.deepEqual(
      done.map((d) => d.changed),
      [true, false],
    );
    assert.equal(kernel.plans.length, 1);
    for (const r of results) assert.equal(r, results[0], 'every caller waits for the run that covers its request');
  });

  it('a request after the runs have finished starts a new run', async () => {
    await engine.reconcile('first');
    await engine.reconcile('second');
    assert.deepEqual(
      done.map((d) => d.reason),
      ['first', 'second'],
    );
  });

  it('a plugin failing to describe its state fails the reconcile, names the plugin, and leaves the kernel alone', async () => {
    await engine.reconcile('start');
    const before = structuredClone(kernel.state);
    let fail = false;
    const flaky: MwanPlugin = {
      name: 'flaky',
      contribute() {
        if (fail) throw new Error('lost its marbles');
      },
    };
    await start([flaky]);
    kernel.state = before;
    fail = true;
    const result = await engine.reconcile('with flaky');
    assert.equal(result, undefined);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].reason, 'with flaky');
    assert.match(failed[0].error, /plugin 'flaky'.*lost its marbles/);
    assert.match(engine.lastReconcile()?.error ?? '', /flaky/);
    assert.deepEqual(kernel.state, before);
    assert.equal(kernel.plans.length, 0);
  });
});
