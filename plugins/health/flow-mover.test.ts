// Tests the flow mover: only the dead WAN's conntrack entries go, and only once the kernel no longer picks that WAN; moveBack.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { silentLogger } from '../../core/log.ts';
import { builtinPlugins } from '../index.ts';
import { link } from '../../test/kit/link.ts';

const network = (carrier2 = true, carrier1 = true): ObservedNetwork => ({
  links: [
    link('wan1', '100.64.1.2', 30, { carrier: carrier1 }),
    link('wan2', '100.64.2.2', 30, { carrier: carrier2 }),
    { ...link('lan0', '10.0.0.1'), addresses: [{ address: '10.0.0.1', prefixLength: 24 }] },
  ],
  defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
});

describe('flow-mover plugin', () => {
  let stateDir: string;
  let kernel: MemoryKernel;
  let engine: Engine;

  async function start(config: Record<string, unknown>) {
    const loaded = parseConfig({
      stateDir,
      lan: [{ device: 'lan0' }],
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2' },
      ],
      ...config,
    });
    kernel = new MemoryKernel(network());
    engine = await Engine.create({
      loaded,
      system: new MemorySystem(kernel),
      log: silentLogger(),
      plugins: builtinPlugins,
    });
    await engine.start();
    await engine.observe();
    await engine.reconcile('start');
    const mark = (wan: string) => loaded.layout.wans.get(wan)!.mark;
    kernel.connections = [mark('isp1'), mark('isp1'), mark('isp2'), mark('isp2'), mark('isp2'), 0];
    return mark;
  }

  /** Changes carriers, observes and reconciles, then lets the plugin's asynchronous deletion run. */
  async function carriers(c2: boolean, c1 = true) {
    kernel.network = network(c2, c1);
    await engine.observe();
    await engine.reconcile('test');
    await new Promise((r) => setImmediate(r));
  }

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-flow-'));
  });
  afterEach(async () => {
    await engine?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('deletes only the entries of the WAN that went out of service', async () => {
    const mark = await start({});
    await carriers(false);
    assert.deepEqual(kernel.connections, [mark('isp1'), mark('isp1'), 0]);
  });

  it('a WAN out of service for IPv6 only loses only its IPv6 entries', async () => {
    const mark = await start({
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2', probes: [{ target: '192.0.2.1' }, { target: '[2001:db8::10]' }] },
      ],
    });
    const withV6 = (v6: boolean): ObservedNetwork => {
      const net = network();
      const wan2 = net.links.find((l) => l.name === 'wan2')!;
      if (v6) wan2.addresses6 = [{ address: '2001:db8:2::2', prefixLength: 64 }];
      return net;
    };
    kernel.network = withV6(true);
    await engine.observe();
    await engine.reconcile('test');
    kernel.connections6 = [mark('isp1'), mark('isp2'), mark('isp2')];
    kernel.network = withV6(false); // the IPv6 address goes: link-down for IPv6 only
    await engine.observe();
    await engine.reconcile('test');
    await new Promise((r) => setImmediate(r));
    const isp2 = engine.wans().find((w) => w.name === 'isp2')!;
    assert.deepEqual([isp2.inService, isp2.ipv6?.inService], [true, false], 'out of service for IPv6 only');
    assert.deepEqual(kernel.connections6, [mark('isp1')]);
    assert.deepEqual(kernel.connections, [mark('isp1'), mark('isp1'), mark('isp2'), mark('isp2'), mark('isp2'), 0]);
  });

  it('keeps them when flushConntrack is off for that WAN', async () => {
    const loadedMark = await start({
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2', health: { flushConntrack: false } },
      ],
    });
    await carriers(false);
    assert.equal(kernel.connections.filter((m) => m === loadedMark('isp2')).length, 3);
  });

  it('failover with moveBack: when the preferred WAN returns, the flows of the tier it replaces move back', async () => {
    const mark = await start({
      mode: 'failover',
      health: { moveBack: true },
      wans: [
        { name: 'isp1', device: 'wan1', tier: 1 },
        { name: 'isp2', device: 'wan2', tier: 2 },
      ],
    });
    await carriers(true, false); // isp1 (tier 1) loses carrier: its entries go, isp2 takes over
    assert.deepEqual(kernel.connections, [mark('isp2'), mark('isp2'), mark('isp2'), 0]);
    await carriers(true, true); // isp1 back: isp2's flows are moved back (deleted, to be re-created on isp1)
    assert.deepEqual(kernel.connections, [0]);
  });

  it("without moveBack, a returning preferred WAN leaves the other tier's flows alone", async () => {
    const mark = await start({
      mode: 'failover',
      wans: [
        { name: 'isp1', device: 'wan1', tier: 1 },
        { name: 'isp2', device: 'wan2', tier: 2 },
      ],
    });
    await carriers(true, false);
    await carriers(true, true);
    assert.deepEqual(kernel.connections, [mark('isp2'), mark('isp2'), mark('isp2'), 0]);
  });
});
