// Tests self-repair on the in-memory kernel: a deleted table or rule is put back, mwan's own changes cause nothing, a deleting loop is rate-limited.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { parseConfig } from '../config.ts';
import { Engine } from '../../core/engine.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { silentLogger } from '../../core/log.ts';
import { RepairLimiter, DEFAULT_REPAIR_LIMITS } from './repair-limiter.ts';
import { SelfRepair } from './self-repair.ts';
import { link } from '../../test/kit/link.ts';
import { waitFor } from '../../test/kit/time.ts';

describe('SelfRepair (Engine + MemoryKernel)', () => {
  let stateDir: string;
  let kernel: MemoryKernel;
  let engine: Engine;
  let events: string[];
  const warnings: string[] = [];
  const log = Object.assign(silentLogger(), {
    warn: (_o: unknown, msg: string) => {
      warnings.push(msg);
    },
  }) as unknown as ReturnType<typeof silentLogger>;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-repair-'));
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
    events = [];
    engine.onEvent((event, payload) => {
      events.push(`${event} ${JSON.stringify(payload)}`);
    });
    await engine.observe();
    await engine.reconcile('start');
    assert.ok(kernel.state.nft);
    events = [];
    warnings.length = 0;
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('a deleted table is put back, the repair names it', async () => {
    const repair = new SelfRepair(() => engine, log);
    const before = kernel.plans.length;
    kernel.state.nft = null;
    repair.onChange({ kind: 'nft', what: 'nft table inet mwan deleted', deleted: true });
    await repair.settled();
    assert.ok(kernel.state.nft, 'the table was not put back');
    assert.equal(kernel.plans.length, before + 1);
    assert.equal(repair.repairs.nft, 1);
    assert.ok(
      events.some((e) => e.startsWith('reconcile.done') && e.includes('repair: nft table inet mwan deleted')),
      events.join('\n'),
    );
    repair.stop();
  });

  it('a deleted ip rule is put back', async () => {
    const repair = new SelfRepair(() => engine, log);
    const rules = kernel.state.rules.length;
    kernel.state.rules = kernel.state.rules.slice(1);
    repair.onChange({ kind: 'rule', what: 'ip rule 1000 deleted (from all lookup main)', deleted: true });
    await repair.settled();
    assert.equal(kernel.state.rules.length, rules);
    assert.equal(repair.repairs.rule, 1);
    repair.stop();
  });

  it("notifications of mwan's own applies (nothing to repair) apply nothing and emit nothing", async () => {
    const repair = new SelfRepair(() => engine, log);
    const before = kernel.plans.length;
    repair.onChange({ kind: 'nft', what: 'nft chain inet mwan balance changed', deleted: false });
    repair.onChange({ kind: 'route', what: 'ip route changed (default table 1000 proto 249)', deleted: false });
    await repair.settled();
    assert.equal(kernel.plans.length, before);
    assert.deepEqual(events, []);
    repair.stop();
  });

  it('a table deleted again and again: repairs stop at the limit, one warning names it, the repair due after the back-off restores it', async () => {
    const limiter = new RepairLimiter({
      ...DEFAULT_REPAIR_LIMITS,
      burst: 2,
      refillPerSecond: 0,
      baseBackoffMs: 100,
      maxBackoffMs: 200,
    });
    const repair = new SelfRepair(() => engine, log, { limiter });
    for (let i = 0; i < 30; i++) {
      kernel.state.nft = null;
      repair.onChange({ kind: 'nft', what: 'nft table inet mwan deleted', deleted: true });
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(repair.repairs.nft >= 2 && repair.repairs.nft <= 8, `repairs: ${repair.repairs.nft}`);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0],
      /mwan's nft table keeps being deleted or changed by another tool \(last: nft table inet mwan deleted\); repairs back off for \d+ s/,
    );
    // The last deletion is notified too (on a loaded machine the loop above can outlast the back-off it started).
    kernel.state.nft = null;
    repair.onChange({ kind: 'nft', what: 'nft table inet mwan deleted', deleted: true });
    await waitFor(() => kernel.state.nft !== null, 5000, 'the repair due after the back-off').catch(() => undefined);
    await repair.settled();
    assert.ok(kernel.state.nft, 'not repaired after the deleting stopped');
    repair.stop();
  });

  it('while the last reconcile failed there is nothing to repair towards: the periodic check retries', async () => {
    const repair = new SelfRepair(() => engine, log);
    // A reconcile that fails in the kernel: isp2 taken down by hand, and the batch refused.
    kernel.apply = async () => {
      throw new Error('ip -batch failed at line 1 of 1');
    };
    await engine.setEnabled('isp2', false);
    assert.equal(await engine.reconcile('isp2 down'), undefined);
    assert.match(engine.lastReconcile()?.error ?? '', /ip -batch failed/);
    kernel.apply = MemoryKernel.prototype.apply;
    kernel.state.nft = null;
    repair.onChange({ kind: 'nft', what: 'nft table inet mwan deleted', deleted: true });
    await repair.settled();
    assert.equal(kernel.state.nft, null);
    repair.stop();
  });
});
