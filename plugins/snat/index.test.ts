// Tests the snat plugin: masquerade or snat to the WAN address for LAN traffic per WAN, nothing without a LAN.
import assert from 'node:assert/strict';
import { DesiredBuilder, type DesiredState } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import snat, { SRCNAT } from './index.ts';
import { worldFrom } from '../testing.ts';
import { link } from '../../test/kit/link.ts';

const NET: ObservedNetwork = {
  links: [
    link('wan1', '100.64.1.2'),
    link('wan2', '100.64.2.2'),
    link('wan3', '100.64.3.2'),
    link('wan4', null),
    link('lan0', '192.168.1.1', 24),
    link('lan1', '192.168.2.1', 24),
  ],
  defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
};

/** A world built the way the engine builds it: config → registry (WanRuntime) → buildWorld. */
function worldOf(cfg: Record<string, unknown>, network: ObservedNetwork = NET): WorldView {
  return worldFrom(cfg, network);
}

function contribution(world: WorldView): DesiredState {
  const d = new DesiredBuilder().as('snat');
  snat.contribute!(d, world);
  return d.state;
}

const snatChain = (s: DesiredState) => s.nft.chains.find((c) => c.name === 'snat_postrouting');

describe('snat plugin', () => {
  it('without a LAN contributes no chain and no NAT rules', () => {
    const s = contribution(worldOf({ wans: [{ name: 'isp1', device: 'wan1' }] }));
    assert.deepEqual(s.nft.chains, []);
    assert.deepEqual(s.routes, []);
    assert.deepEqual(s.rules, []);
  });

  it('masquerades LAN traffic leaving each WAN by default, in a nat postrouting chain', () => {
    const chain = snatChain(
      contribution(
        worldOf({
          wans: [
            { name: 'isp1', device: 'wan1' },
            { name: 'isp2', device: 'wan2' },
          ],
          lan: [{ device: 'lan0' }],
        }),
      ),
    );
    assert.deepEqual(chain?.base, { type: 'nat', hook: 'postrouting', priority: SRCNAT });
    assert.deepEqual(chain?.rules, [
      'iifname { "lan0" } oifname "wan1" masquerade',
      'iifname { "lan0" } oifname "wan2" masquerade',
    ]);
  });

  it("snat mode translates to the WAN's own address", () => {
    const chain = snatChain(
      contribution(worldOf({ wans: [{ name: 'isp2', device: 'wan2', snat: 'snat' }], lan: [{ device: 'lan0' }] })),
    );
    assert.equal(chain?.rules.length, 1);
    assert.match(chain!.rules[0], /oifname "wan2"/);
    assert.match(chain!.rules[0], /snat ip to 100\.64\.2\.2$/);
    assert.doesNotMatch(chain!.rules[0], /masquerade/);
  });

  it('snat mode without an address yet adds no rule for that WAN', () => {
    const chain = snatChain(
      contribution(
        worldOf({
          wans: [
            { name: 'isp4', device: 'wan4', snat: 'snat' },
            { name: 'isp1', device: 'wan1' },
          ],
          lan: [{ device: 'lan0' }],
        }),
      ),
    );
    assert.deepEqual(chain?.rules, ['iifname { "lan0" } oifname "wan1" masquerade']);
  });

  it('mode none adds no rule for that WAN', () => {
    const chain = snatChain(
      contribution(
        worldOf({
          wans: [
            { name: 'isp1', device: 'wan1', snat: 'none' },
            { name: 'isp3', device: 'wan3' },
          ],
          lan: [{ device: 'lan0' }],
        }),
      ),
    );
    assert.deepEqual(chain?.rules, ['iifname { "lan0" } oifname "wan3" masquerade']);
  });

  it('matches traffic from every LAN device', () => {
    const chain = snatChain(
      contribution(
        worldOf({ wans: [{ name: 'isp1', device: 'wan1' }], lan: [{ device: 'lan0' }, { device: 'lan1' }] }),
      ),
    );
    assert.deepEqual(chain?.rules, ['iifname { "lan0", "lan1" } oifname "wan1" masquerade']);
  });

  it('keeps NAT for a WAN out of service, so its existing connections still translate', () => {
    const down: ObservedNetwork = {
      ...NET,
      links: NET.links.map((l) => (l.name === 'wan1' ? { ...l, carrier: false } : l)),
    };
    const world = worldOf({ wans: [{ name: 'isp1', device: 'wan1' }], lan: [{ device: 'lan0' }] }, down);
    assert.equal(world.wans[0].inService, false);
    assert.deepEqual(snatChain(contribution(world))?.rules, ['iifname { "lan0" } oifname "wan1" masquerade']);
  });
});
