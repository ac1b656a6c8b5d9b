// Tests policy resolution: the implicit default policy, inherited weights, member order as priority.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { resolvePolicies } from './resolve.ts';

const WANS = [
  { name: 'isp1', device: 'wan1', weight: 3 },
  { name: 'isp2', device: 'wan2', tier: 2 },
  { name: 'isp3', device: 'wan3', probes: [{ target: '192.0.2.1' }] },
];

describe('policy resolution', () => {
  it('keeps an nfqueue:<name> strategy as written', () => {
    const { config } = parseConfig({
      wans: WANS,
      policies: { q: { strategy: 'nfqueue:round-robin', nfqueue: { queue: 7 } } },
      defaultPolicy: 'q',
    });
    assert.equal(resolvePolicies(config).get('q')!.strategy, 'nfqueue:round-robin');
  });

  it('resolves the implicit default policy from mode: weighted when balanced, priority over tiers when failover', () => {
    const balanced = resolvePolicies(parseConfig({ wans: WANS }).config).get('default')!;
    assert.equal(balanced.strategy, 'weighted');
    assert.deepEqual(balanced.members, [
      { wan: 'isp1', weight: 3, tier: 1 },
      { wan: 'isp2', weight: 1, tier: 2 },
      { wan: 'isp3', weight: 1, tier: 1 },
    ]);
    assert.equal(
      resolvePolicies(parseConfig({ wans: WANS, mode: 'failover' }).config).get('default')!.strategy,
      'priority',
    );
  });

  it('members inherit weights; ordered strategies without tiers take the member order as priority', () => {
    const { config } = parseConfig({
      wans: WANS,
      policies: {
        prio: { strategy: 'priority', members: [{ wan: 'isp3' }, { wan: 'isp1', weight: 5 }] },
        tiers: { strategy: 'priority', members: [{ wan: 'isp3', tier: 2 }, { wan: 'isp1' }] },
        all: { strategy: 'weighted' },
        default: { strategy: 'round-robin' },
      },
    });
    const p = resolvePolicies(config);
    assert.deepEqual(p.get('prio')!.members, [
      { wan: 'isp3', weight: 1, tier: 1 },
      { wan: 'isp1', weight: 5, tier: 2 },
    ]);
    assert.deepEqual(
      p.get('tiers')!.members.map((m) => m.tier),
      [2, 1],
    );
    assert.deepEqual(
      p.get('all')!.members.map((m) => m.wan),
      ['isp1', 'isp2', 'isp3'],
    );
    assert.equal(p.get('default')!.strategy, 'round-robin', 'a policy named default replaces the implicit one');
  });
});
