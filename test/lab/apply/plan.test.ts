// `mwanctl plan`: changes nothing, and prints exactly what the following `mwanctl apply --print` runs.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, layoutOf, settledSnapshot, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

describe('mwan lab: plan equals apply --print (no daemon)', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'plan');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** plan (checking it changed nothing), then apply --print: returns both outputs and the snapshot before the apply. */
  async function planThenApply(): Promise<{ plan: string; applied: string; before: string }> {
    const l = lab!;
    const before = await routerSnapshot(l);
    const plan = await ctlOk(mwan!, ['plan']);
    assert.equal(await routerSnapshot(l), before, 'mwanctl plan changed the kernel');
    const applied = await ctlOk(mwan!, ['apply', '--print']);
    return { plan, applied, before };
  }

  async function balanceRoute(): Promise<string> {
    const table = layoutOf(mwan!).balanceTable;
    return (await lab!.exec(lab!.ns.router, ['ip', 'route', 'show', 'table', String(table)])).stdout;
  }

  it('on a fresh router: plan changes nothing and equals the apply --print that follows', async () => {
    const before = await settledSnapshot(lab!);
    const { plan, applied } = await planThenApply();
    console.log(`      first plan: ${plan.split('\n').length} lines`);
    assert.notEqual(plan, NOTHING_TO_DO);
    assert.match(plan, /^# nft -f -$/m);
    assert.match(plan, /^# ip -batch -$/m);
    assert.match(plan, /^net\/ipv4\/fib_multipath_hash_policy = 1$/m);
    assert.equal(applied, plan);
    assert.notEqual(await routerSnapshot(lab!), before, 'apply changed nothing');
  });

  it('after the apply: plan prints the nothing-to-do line', async () => {
    const before = await routerSnapshot(lab!);
    assert.equal(await ctlOk(mwan!, ['plan']), NOTHING_TO_DO);
    assert.equal(await routerSnapshot(lab!), before);
  });

  it('after a weight change in the config: plan shows it and equals apply --print', async () => {
    const l = lab!;
    mwan!.writeConfig(labConfig(l, mwan!.dir, { wans: { 1: { weight: 3 }, 2: { weight: 2 }, 3: { weight: 1 } } }));
    const { plan, applied } = await planThenApply();
    assert.match(plan, /nexthop via 100\.64\.1\.1 dev wan1 weight 3 nexthop via 100\.64\.2\.1 dev wan2 weight 2/);
    assert.match(plan, /numgen inc mod 6 /);
    assert.equal(applied, plan);
    assert.match(await balanceRoute(), /dev wan1 weight 3/);
    assert.equal(await ctlOk(mwan!, ['plan']), NOTHING_TO_DO);
  });

  it('after wan3 loses carrier (nobody reacting): plan shows wan3 leaving and equals apply --print', async () => {
    const l = lab!;
    await l.cutCarrier(3);
    const { plan, applied } = await planThenApply();
    assert.notEqual(plan, NOTHING_TO_DO);
    assert.match(plan, /numgen inc mod 5 /);
    const balanceLines = plan.split('\n').filter((x) => x.includes(`table ${layoutOf(mwan!).balanceTable} `));
    assert.equal(balanceLines.length, 1, plan);
    assert.doesNotMatch(balanceLines[0], /wan3/);
    assert.equal(applied, plan);
    assert.doesNotMatch(await balanceRoute(), /wan3/);
    await l.restoreCarrier(3);
    const back = await planThenApply();
    assert.match(back.plan, /numgen inc mod 6 /);
    assert.equal(back.applied, back.plan);
    assert.match(await balanceRoute(), /dev wan3 weight 1/);
  });

  it('wan down isp2 without a daemon applies at once; plan then has nothing to do, and wan up brings it back', async () => {
    const m = mwan!;
    await ctlOk(m, ['wan', 'down', 'isp2']);
    assert.doesNotMatch(await balanceRoute(), /wan2/);
    assert.equal(await ctlOk(m, ['plan']), NOTHING_TO_DO);
    assert.equal((await statusOf(m)).wans.find((w) => w.name === 'isp2')?.state, 'admin-down');
    await ctlOk(m, ['wan', 'up', 'isp2']);
    assert.match(await balanceRoute(), /dev wan2 weight 2/);
    assert.equal(await ctlOk(m, ['plan']), NOTHING_TO_DO);
  });

  it("after someone deletes one of mwan's rules: plan shows the repair and equals apply --print", async () => {
    const l = lab!;
    const ids = layoutOf(mwan!).wans.get('isp1')!;
    await l.exec(l.ns.router, ['ip', 'rule', 'del', 'priority', String(ids.fwmarkPriority)]);
    const { plan, applied } = await planThenApply();
    assert.equal(
      plan,
      `# ip -batch -\nrule add priority ${ids.fwmarkPriority} fwmark 0x${ids.mark.toString(16)}/0xff00 lookup ${ids.table} protocol 249`,
    );
    assert.equal(applied, plan);
    assert.equal(await ctlOk(mwan!, ['plan']), NOTHING_TO_DO);
  });
});
