// Rules in the lab: traffic routed by destination port, destination network, source network and a set another tool fills; first match wins.
import assert from 'node:assert/strict';
import { burst, type BurstOptions } from '../../kit/lab/traffic.ts';
import { labConfig } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';

const only = (wan: string) => ({ strategy: 'priority', members: [{ wan }] });

const RULES = {
  policies: { via1: only('isp1'), via2: only('isp2'), via3: only('isp3') },
  rules: [
    { name: 'vip', set: 'vip', policy: 'via1' },
    { name: 'alt-port', proto: 'tcp', dport: [8080, '9000-9010'], policy: 'via2' },
    { name: 'server2', dst: ['203.0.113.11/32'], policy: 'via3' },
    { name: 'guest', src: ['10.77.0.3'], policy: 'via1' },
  ],
};

describe('mwan lab: rules', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-rules');
    s = await startStrategyLab(RULES);
    await s.lab.exec(s.lab.ns.client, ['ip', 'addr', 'add', '10.77.0.3/24', 'dev', 'eth0']);
  });
  after(async () => {
    await s?.stop();
  });

  const run = async (o: Partial<BurstOptions>) => {
    const r = await burst(s!.lab, s!.lab.ns.client, { count: 30, concurrency: 10, ...o });
    assert.equal(r.ok, o.count ?? 30, JSON.stringify(r));
    return r.byIsp.slice(1);
  };

  it('routes by port, network and source; the rest follows the default policy', async () => {
    const byPort = await run({ port: 8080 });
    const byNet = await run({ to: '203.0.113.11' });
    const bySrc = await run({ bind: '10.77.0.3' });
    const rest = await run({ count: 60 });
    console.log(
      `      tcp 8080: ${JSON.stringify(byPort)}; to 203.0.113.11: ${JSON.stringify(byNet)}; from 10.77.0.3: ${JSON.stringify(bySrc)}; the rest: ${JSON.stringify(rest)}`,
    );
    assert.deepEqual(byPort, [0, 30, 0]);
    assert.deepEqual(byNet, [0, 0, 30]);
    assert.deepEqual(bySrc, [30, 0, 0]);
    assert.ok(
      rest.every((n) => n > 5),
      `the default policy spreads the rest: ${JSON.stringify(rest)}`,
    );
  });

  it('routes by a set another tool fills, and the first matching rule wins', async () => {
    const { lab } = s!;
    await lab.exec(lab.ns.router, ['nft', 'add', 'element', 'inet', 'mwan', 'vip', '{ 203.0.113.10 }']);
    const r80 = await run({});
    const r8080 = await run({ port: 8080 });
    const other = await run({ to: '203.0.113.11' });
    console.log(
      `      with 203.0.113.10 in set vip: port 80 ${JSON.stringify(r80)}, port 8080 ${JSON.stringify(r8080)}; 203.0.113.11 ${JSON.stringify(other)}`,
    );
    assert.deepEqual(r80, [30, 0, 0]);
    assert.deepEqual(r8080, [30, 0, 0], 'the set rule comes before the port rule');
    assert.deepEqual(other, [0, 0, 30]);
    // The set is mwan's but filled at run time: an apply that rewrites the table keeps its contents.
    s!.mwan.writeConfig(labConfig(lab, s!.mwan.dir, { wans: { 1: { weight: 2 } }, extra: RULES }));
    await ctlOk(s!.mwan, ['apply']);
    const listed = (await lab.exec(lab.ns.router, ['nft', 'list', 'set', 'inet', 'mwan', 'vip'])).stdout;
    assert.match(listed, /203\.0\.113\.10/);
    assert.deepEqual(await run({}), [30, 0, 0]);
  });
});
