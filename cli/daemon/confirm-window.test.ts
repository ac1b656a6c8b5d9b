// Tests the one rollback (ConfirmWindow) on the in-memory kernel: unconfirmed it restores the saved state, confirmed it keeps the new one.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { parseConfig } from '../config.ts';
import { Engine } from '../../core/engine.ts';
import type { LinkState } from '../../core/system/kernel/adapter.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { silentLogger } from '../../core/log.ts';
import { ConfirmWindow } from './confirm-window.ts';

const link = (name: string, address: string, prefixLength = 30): LinkState => ({
  name,
  adminUp: true,
  carrier: true,
  pointToPoint: false,
  addresses: [{ address, prefixLength }],
});

describe('ConfirmWindow (Engine + MemoryKernel)', () => {
  let stateDir: string;
  let kernel: MemoryKernel;
  let engine: Engine;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-confirm-'));
    const loaded = parseConfig({
      stateDir,
      lan: [{ device: 'lan0' }],
      wans: [
        { name: 'isp1', device: 'wan1', gateway: '100.64.1.1' },
        { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
      ],
    });
    kernel = new MemoryKernel({
      links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
      defaults: [],
    });
    engine = await Engine.create({
      loaded,
      system: new MemorySystem(kernel),
      log: silentLogger(),
      plugins: builtinPlugins,
    });
    await engine.observe();
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('unconfirmed: undo runs, then the state saved before the change comes back; closed says rolled back', async () => {
    const window = new ConfirmWindow();
    const order: string[] = [];
    const { result, closed } = await window.applyOnProbation(
      engine,
      0.05,
      async () => {
        order.push('change');
        return engine.apply('on probation');
      },
      async () => {
        order.push('undo');
      },
    );
    assert.equal(result.changed, true);
    assert.ok(kernel.state.nft, 'applied');
    assert.ok(window.pending);
    assert.equal(await closed, true);
    assert.deepEqual(order, ['change', 'undo']);
    assert.equal(kernel.state.nft, null, 'rolled back to the empty kernel');
    assert.equal(window.pending, null);
    assert.equal(window.confirm(), false, 'nothing left to confirm');
  });

  it('confirmed in time: the new state stays and closed says kept', async () => {
    const window = new ConfirmWindow();
    const { closed } = await window.applyOnProbation(engine, 0.05, () => engine.apply('on probation'));
    assert.equal(window.confirm(), true);
    assert.equal(await closed, false);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(kernel.state.nft, 'kept after the deadline');
  });

  it('a change that fails arms nothing and restores nothing', async () => {
    const window = new ConfirmWindow();
    await assert.rejects(
      window.applyOnProbation(engine, 0.05, async () => {
        throw new Error('reload refused');
      }),
      /reload refused/,
    );
    assert.equal(window.pending, null);
  });

  it('a second apply on probation rolls the first back before it arms (its state is the one to return to)', async () => {
    const window = new ConfirmWindow();
    const first = await window.applyOnProbation(engine, 60, () => engine.apply('first'));
    const second = await window.applyOnProbation(engine, 0.05, async () => 'second');
    assert.equal(await first.closed, true);
    assert.equal(second.result, 'second');
    window.cancel();
    assert.equal(await second.closed, false);
  });
});
