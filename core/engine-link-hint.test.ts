// Tests the engine's link-hint fast path on a dual-stack WAN: a hint keeps the `auto` IPv6 address the last read saw.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinPlugins } from '../plugins/index.ts';
import { parseConfig } from '../cli/config.ts';
import { Engine } from './engine.ts';
import { MemoryKernel } from './system/kernel/memory-adapter.ts';
import { MemorySystem } from './system/memory.ts';
import { silentLogger } from './log.ts';
import { link } from '../test/kit/link.ts';

describe('Engine.applyLinkHint on a dual-stack WAN', () => {
  let stateDir: string;
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('a hint (another link changed, keepalived added an address) keeps the IPv6 side in service', async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-hint6-'));
    const loaded = parseConfig({
      stateDir,
      lan: [{ device: 'lan0' }],
      wans: [
        {
          name: 'isp1',
          device: 'wan1',
          gateway: '100.64.1.1',
          ipv6: { address: 'auto', gateway: '2001:db8:1::1', prefix: '2001:db8:1:100::/56' },
        },
      ],
      ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] },
    });
    const kernel = new MemoryKernel({
      links: [link('wan1', '100.64.1.2'), link('lan0', '10.0.0.1', 24)],
      defaults: [],
      ipv6: { addresses: [{ dev: 'wan1', address: '2001:db8:1::2', prefixLength: 64 }], defaults: [], delegated: [] },
    });
    const engine = await Engine.create({
      loaded,
      system: new MemorySystem(kernel),
      log: silentLogger(),
      plugins: builtinPlugins,
    });
    const offline: string[] = [];
    engine.onEvent((event, payload) => {
      if (event === 'wan.offline') offline.push(JSON.stringify(payload));
    });
    await engine.observe();
    const six = () => engine.wans()[0]!.ipv6;
    assert.equal(six()?.facts.address, '2001:db8:1::2');
    assert.equal(six()?.inService, true);
    engine.applyLinkHint({ name: 'lan0', adminUp: true, carrier: true, deleted: false });
    engine.applyLinkHint({ name: 'wan1', adminUp: true, carrier: true, deleted: false });
    assert.equal(six()?.facts.address, '2001:db8:1::2', 'the address the last read saw');
    assert.equal(six()?.inService, true);
    assert.deepEqual(offline, [], 'no IPv6 offline (the flow mover would delete its connections)');
  });
});
