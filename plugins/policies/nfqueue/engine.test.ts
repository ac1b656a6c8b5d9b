// Tests NFQUEUE policies through an Engine on the in-memory kernel: queue rules once, listeners per policy, service changes at once, stop, names.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinPlugins } from '../../index.ts';
import { parseConfig } from '../../../cli/config.ts';
import { Engine } from '../../../core/engine.ts';
import { MwanError } from '../../../core/errors.ts';
import type { ObservedNetwork } from '../../../core/system/kernel/adapter.ts';
import { MemoryKernel } from '../../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../../core/system/memory.ts';
import { silentLogger } from '../../../core/log.ts';
import type { MwanPlugin } from '../../../plugin-api/types.ts';
import { link } from '../../../test/kit/link.ts';

const network = (down: string[] = []): ObservedNetwork => ({
  links: [1, 2, 3]
    .map((i) => link(`wan${i}`, `100.64.${i}.2`, 30, { carrier: !down.includes(`wan${i}`) }))
    .concat(link('lan0', '192.168.1.1', 24)),
  defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
});
const WANS = [
  { name: 'isp1', device: 'wan1' },
  { name: 'isp2', device: 'wan2' },
  { name: 'isp3', device: 'wan3' },
];
const POLICIES = {
  policies: {
    rr: { strategy: 'nfqueue:round-robin', members: [{ wan: 'isp1' }, { wan: 'isp2' }, { wan: 'isp3' }] },
    lc: { strategy: 'nfqueue:least-connections', members: [{ wan: 'isp2' }, { wan: 'isp3' }] },
    idle: { strategy: 'nfqueue:round-robin' },
  },
  rules: [{ dport: 443, policy: 'lc' }],
  defaultPolicy: 'rr',
};

describe('NFQUEUE policies (Engine + MemoryKernel)', () => {
  let stateDir: string;
  let kernel: MemoryKernel;
  let engine: Engine | undefined;

  async function start(cfg: Record<string, unknown>, plugins: MwanPlugin[] = []): Promise<Engine> {
    const loaded = parseConfig({ stateDir, lan: [{ device: 'lan0' }], wans: WANS, ...cfg });
    engine = await Engine.create({
      loaded,
      system: new MemorySystem(kernel),
      log: silentLogger(),
      plugins: [...builtinPlugins, ...plugins],
    });
    await engine.observe();
    return engine;
  }
  const queueOf = (e: Engine, policy: string) => e.layout.nfqueue.policies.get(policy)!.queue;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-nfq-'));
    kernel = new MemoryKernel(network());
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  it('the first reconcile applies one queue rule per policy in use, matching its tag; later ones run no iptables', async () => {
    const e = await start(POLICIES);
    const { tagMask, policies } = e.layout.nfqueue;
    const first = await e.reconcile('start');
    assert.ok(
      first?.plan.iptables?.some((argv) => argv.includes('NFQUEUE')),
      JSON.stringify(first?.plan.iptables),
    );
    assert.deepEqual(
      kernel.nfqueue.rules?.bindings,
      ['rr', 'lc']
        .map((p) => policies.get(p)!)
        .sort((a, b) => a.queue - b.queue)
        .map((p) => ({
          queue: p.queue,
          match: ['-m', 'mark', '--mark', `0x${p.tag.toString(16)}/0x${tagMask.toString(16)}`],
        })),
    );
    assert.equal(kernel.nfqueue.rules?.mask, 0xff00);
    assert.equal(kernel.nfqueue.rules?.doneBit, 0x80000000);
    const second = await e.reconcile('again');
    assert.equal(second?.plan.iptables, undefined);
    // A new engine (a restart) plans nothing for rules already in place.
    const again = await start(POLICIES);
    assert.equal((await again.plan()).iptables, undefined);
  });

  it('once the engine forgets its kernel state (a rollback removed the rules), the next reconcile applies them again', async () => {
    const e = await start(POLICIES);
    await e.reconcile('start');
    await kernel.nfqueue.removeRules();
    assert.equal(kernel.nfqueue.rules, null);
    e.forgetKernelState();
    const again = await e.reconcile('after the rollback');
    assert.ok(
      again?.plan.iptables?.some((argv) => argv.includes('NFQUEUE')),
      JSON.stringify(again?.plan.iptables),
    );
    assert.ok(kernel.nfqueue.rules);
  });

  it('without NFQUEUE policies in use no iptables command is planned or run', async () => {
    const e = await start({ policies: { idle: { strategy: 'nfqueue:round-robin' } } });
    assert.equal((await e.plan()).iptables, undefined);
    await e.reconcile('start');
    assert.equal(kernel.nfqueue.rules, null);
  });

  it('plan lists the iptables commands and applies nothing', async () => {
    const e = await start(POLICIES);
    const plan = await e.plan();
    assert.ok(
      plan.iptables!.some((argv) => argv.join(' ').includes('-j NFQUEUE --queue-num')),
      JSON.stringify(plan.iptables),
    );
    assert.equal(kernel.nfqueue.rules, null);
  });

  it('setup starts a listener per policy in use; decisions use the members in service, and a WAN leaving service leaves at once', async () => {
    const e = await start(POLICIES);
    await e.start();
    const rr = queueOf(e, 'rr');
    assert.deepEqual([...kernel.nfqueue.queues.keys()].sort(), [rr, queueOf(e, 'lc')].sort());
    assert.deepEqual(
      Array.from({ length: 6 }, () => kernel.nfqueue.decide(rr)),
      ['isp1', 'isp2', 'isp3', 'isp1', 'isp2', 'isp3'],
    );
    assert.ok(['isp2', 'isp3'].includes(kernel.nfqueue.decide(queueOf(e, 'lc'))!));
    await e.setEnabled('isp2', false);
    void e.reconcile('isp2 down by hand');
    assert.deepEqual(Array.from({ length: 4 }, () => kernel.nfqueue.decide(rr)).sort(), [
      'isp1',
      'isp1',
      'isp3',
      'isp3',
    ]);
    kernel.network = network(['wan1']);
    await e.observe();
    void e.reconcile('carrier lost');
    assert.deepEqual(
      Array.from({ length: 3 }, () => kernel.nfqueue.decide(rr)),
      ['isp3', 'isp3', 'isp3'],
    );
  });

  it('teardown closes the queues and leaves the rules (fail static); removing the kernel state removes them', async () => {
    const e = await start(POLICIES);
    await e.start();
    await e.reconcile('start');
    await e.stop();
    assert.equal(kernel.nfqueue.queues.size, 0);
    assert.ok(kernel.nfqueue.rules);
    const removed = await e.removeKernelState();
    assert.ok(removed.iptables?.length);
    assert.equal(kernel.nfqueue.rules, null);
  });

  it('an unknown strategy name is an error naming the field and the strategies that exist', async () => {
    await assert.rejects(start({ policies: { q: { strategy: 'nfqueue:nope' } }, defaultPolicy: 'q' }), (err: Error) => {
      assert.ok(err instanceof MwanError);
      assert.match(
        err.message,
        /^policies\.q\.strategy: got "nfqueue:nope"; no NFQUEUE strategy has that name \(registered: least-connections, round-robin\)/,
      );
      return true;
    });
  });

  it("a plugin's own strategy is used by name; a name already taken names both owners", async () => {
    const mine: MwanPlugin = {
      name: 'mine',
      nfqueueStrategies: {
        'last-member': (ctx) => ({
          name: 'last-member',
          decide: () => (ctx.options.skip ? ctx.wans().at(-2) : ctx.wans().at(-1)),
        }),
      },
    };
    const e = await start(
      {
        policies: {
          q: { strategy: 'nfqueue:last-member' },
          s: { strategy: 'nfqueue:last-member', nfqueue: { options: { skip: true } } },
        },
        rules: [{ dport: 22, policy: 's' }],
        defaultPolicy: 'q',
      },
      [mine],
    );
    await e.start();
    assert.equal(kernel.nfqueue.decide(queueOf(e, 'q')), 'isp3');
    assert.equal(kernel.nfqueue.decide(queueOf(e, 's')), 'isp2', "the policy's nfqueue.options reach the strategy");
    await e.stop();
    const clash: MwanPlugin = {
      name: 'clash',
      nfqueueStrategies: { 'round-robin': (ctx) => ({ name: 'x', decide: () => ctx.wans()[0] }) },
    };
    await assert.rejects(
      start(POLICIES, [clash]),
      /plugin 'clash': nfqueue strategy 'round-robin' from plugin 'clash' is already registered by mwan/,
    );
  });
});
