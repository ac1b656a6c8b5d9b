// Ownership: mwan touches only its own state — repeated applies are no-ops, and `stop` restores the router byte for byte.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';

describe('mwan lab: ownership of kernel state', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let pristine = '';

  before(async function () {
    await skipWithoutLab(this, 'ownership');
    lab = await createLab({ wans: 3 });
    const r = lab.ns.router;
    // Someone else's firewall and policy routing, including a rule inside mwan's own priority range. (A route inside
    // mwan's table range is refused at start: test/lab/hostile/host-owned.test.ts.)
    await lab.exec(r, ['nft', '-f', '-'], {
      input: 'table inet foreign {\n  chain c { type filter hook input priority 0; policy accept; }\n}\n',
    });
    await lab.exec(r, ['ip', '-batch', '-'], {
      input: [
        'rule add pref 500 from 10.99.0.0/16 lookup 77',
        'route add default via 100.64.3.1 dev wan3 table 77',
        'rule add pref 1200 from 10.98.0.0/16 lookup 78',
        'route add 10.98.0.0/16 via 10.77.0.2 dev lan0 table 1300',
        '',
      ].join('\n'),
    });
    pristine = await settledSnapshot(lab);
    assert.match(pristine, /table inet foreign/);
    assert.match(pristine, /500:\s+from 10\.99\.0\.0\/16 lookup 77/);
    mwan = mwanFor(lab);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('with the daemon: applies are no-ops, and stop restores the router byte for byte', async () => {
    const l = lab!;
    const m = mwan!;
    await m.startDaemon();
    const started = await routerSnapshot(l);
    assert.notEqual(started, pristine, 'the daemon changed nothing in the kernel');
    assert.match(started, /table inet mwan/);

    const first = await ctlOk(m, ['apply', '--print']);
    const afterFirst = await routerSnapshot(l);
    const second = await ctlOk(m, ['apply', '--print']);
    const afterSecond = await routerSnapshot(l);
    assert.equal(second, NOTHING_TO_DO);
    assert.equal(first, NOTHING_TO_DO, 'the daemon had already reconciled at start');
    assert.equal(afterFirst, started);
    assert.equal(afterSecond, afterFirst);

    await ctlOk(m, ['stop']);
    const exit = await m.daemon!.exited;
    assert.equal(exit.exitCode, 0, `daemon exit: ${JSON.stringify(exit)} ${m.daemon!.stderr()}`);
    assert.equal(await routerSnapshot(l), pristine);
  });

  it('without a daemon: apply then stop restores the router byte for byte', async () => {
    const l = lab!;
    const m = mwan!;
    assert.equal(await routerSnapshot(l), pristine);
    const printed = await ctlOk(m, ['apply', '--print']);
    assert.match(printed, /^# nft -f -$/m);
    const applied = await routerSnapshot(l);
    assert.notEqual(applied, pristine);
    assert.equal(await ctlOk(m, ['apply', '--print']), NOTHING_TO_DO);
    assert.equal(await routerSnapshot(l), applied);
    await ctlOk(m, ['stop']);
    assert.equal(await routerSnapshot(l), pristine);
  });
});
