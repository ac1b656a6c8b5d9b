// Tests the firewall plugin: enabled by role, input and forward rules for WAN traffic, SSH, ICMP, logging, forwarding groups.
import assert from 'node:assert/strict';
import { DesiredBuilder, type DesiredState } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import firewall, {
  FILTER,
  FORWARD_CHAIN,
  FORWARD_DROP_CHAIN,
  INPUT_CHAIN,
  INPUT_DROP_CHAIN,
  groupDevices,
} from './index.ts';
import { worldFrom } from '../testing.ts';
import { link } from '../../test/kit/link.ts';

const NET: ObservedNetwork = {
  links: [
    link('wan1', '100.64.1.2'),
    link('wan2', '100.64.2.2'),
    link('lan0', '10.0.0.1', 24),
    link('lan1', '10.1.0.1', 24),
    link('lan2', '10.2.0.1', 24),
  ],
  defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
};
const WANS = [
  { name: 'dsl', device: 'wan1' },
  { name: 'lte', device: 'wan2' },
];
const LAN = [{ device: 'lan0' }];
const W = '{ "wan1", "wan2" }';

function worldOf(cfg: Record<string, unknown>): WorldView {
  return worldFrom({ wans: WANS, ...cfg }, NET);
}

function contribution(world: WorldView): DesiredState {
  const d = new DesiredBuilder().as('firewall');
  firewall.contribute!(d, world);
  return d.state;
}

const rulesOf = (s: DesiredState, name: string) => s.nft.chains.find((c) => c.name === name)?.rules ?? [];

describe('firewall plugin', () => {
  it('is on by default with a LAN (router role) and off without one; `enabled` overrides either way', () => {
    assert.equal(contribution(worldOf({ lan: LAN })).nft.chains.length, 4);
    assert.deepEqual(contribution(worldOf({})).nft.chains, []);
    assert.deepEqual(contribution(worldOf({ lan: LAN, firewall: { enabled: false } })).nft.chains, []);
    assert.equal(contribution(worldOf({ firewall: { enabled: true } })).nft.chains.length, 4);
  });

  it('hooks input and forward at filter priority with policy accept, so traffic of unmanaged interfaces passes', () => {
    const s = contribution(worldOf({ lan: LAN }));
    for (const [name, hook] of [
      [INPUT_CHAIN, 'input'],
      [FORWARD_CHAIN, 'forward'],
    ] as const) {
      assert.deepEqual(s.nft.chains.find((c) => c.name === name)?.base, {
        type: 'filter',
        hook,
        priority: FILTER,
        policy: 'accept',
      });
    }
  });

  it('input: established first, then loopback and LANs, rate-limited pings, DHCP replies, SSH, and a drop only for WAN traffic', () => {
    assert.deepEqual(rulesOf(contribution(worldOf({ lan: LAN })), INPUT_CHAIN), [
      'meta nfproto != ipv4 accept',
      'ct state established,related accept',
      `iifname ${W} ct state invalid drop`,
      'iifname "lo" accept',
      'iifname { "lan0" } accept',
      'ct status dnat accept',
      `iifname ${W} icmp type echo-request limit rate 10/second accept`,
      `iifname ${W} udp sport 67 udp dport 68 accept`,
      `iifname ${W} tcp dport 22 accept`,
      `iifname ${W} jump ${INPUT_DROP_CHAIN}`,
    ]);
  });

  it('SSH: another port and source networks, or none at all; pings can be refused', () => {
    const custom = rulesOf(
      contribution(worldOf({ lan: LAN, firewall: { ssh: { port: 2222, from: ['192.0.2.0/24', '198.51.100.7'] } } })),
      INPUT_CHAIN,
    );
    assert.ok(
      custom.includes(`iifname ${W} ip saddr { 192.0.2.0/24, 198.51.100.7 } tcp dport 2222 accept`),
      custom.join('\n'),
    );
    assert.ok(!custom.some((r) => r.includes('dport 22 ')));
    const none = rulesOf(
      contribution(worldOf({ lan: LAN, firewall: { ssh: false, icmpRatePerSecond: 0 } })),
      INPUT_CHAIN,
    );
    assert.ok(!none.some((r) => r.includes('tcp dport') || r.includes('echo-request')), none.join('\n'));
  });

  it('logs drops with a rate limit and a recognisable prefix, or drops silently when log is off', () => {
    const s = contribution(worldOf({ lan: LAN, firewall: { logRatePerMinute: 3 } }));
    assert.deepEqual(rulesOf(s, INPUT_DROP_CHAIN), [
      'limit rate 3/minute log prefix "mwan drop input: "',
      'counter drop',
    ]);
    assert.deepEqual(rulesOf(s, FORWARD_DROP_CHAIN), [
      'limit rate 3/minute log prefix "mwan drop forward: "',
      'counter drop',
    ]);
    assert.deepEqual(rulesOf(contribution(worldOf({ lan: LAN, firewall: { log: false } })), INPUT_DROP_CHAIN), [
      'counter drop',
    ]);
  });

  it('forward: established and port forwards pass, the LAN reaches everything by default, new WAN traffic is dropped', () => {
    assert.deepEqual(rulesOf(contribution(worldOf({ lan: LAN })), FORWARD_CHAIN), [
      'meta nfproto != ipv4 accept',
      'ct state established,related accept',
      `iifname ${W} ct state invalid drop`,
      'ct status dnat accept',
      'iifname { "lan0" } oifname { "lan0", "wan1", "wan2" } accept',
      `iifname ${W} jump ${FORWARD_DROP_CHAIN}`,
    ]);
  });

  it('forwarding groups as Net-ISP-Balance: LAN4 reaches the ISPs but not LANs 1-3; a WAN alone opens nothing', () => {
    const lan = [
      { device: 'lan0', name: 'LAN1' },
      { device: 'lan1', name: 'LAN2' },
      { device: 'lan2', name: 'LAN4' },
    ];
    const rules = rulesOf(
      contribution(
        worldOf({ lan, firewall: { forwardingGroups: [['LAN1', 'LAN2', ':isp'], ['LAN4', ':isp'], ['dsl']] } }),
      ),
      FORWARD_CHAIN,
    );
    assert.deepEqual(rules.slice(4), [
      'iifname { "lan0", "lan1" } oifname { "lan0", "lan1", "wan1", "wan2" } accept',
      'iifname { "lan2" } oifname { "lan2", "wan1", "wan2" } accept',
      `iifname ${W} jump ${FORWARD_DROP_CHAIN}`,
      `iifname { "lan0", "lan1", "lan2" } oifname { "lan0", "lan1", "lan2", "wan1", "wan2" } jump ${FORWARD_DROP_CHAIN}`,
    ]);
  });

  it('a LAN in no group may still reach itself (hairpin) but nothing else managed', () => {
    const lan = [
      { device: 'lan0', name: 'office' },
      { device: 'lan1', name: 'guests' },
    ];
    const rules = rulesOf(
      contribution(worldOf({ lan, firewall: { forwardingGroups: [['office', 'lte']] } })),
      FORWARD_CHAIN,
    );
    assert.ok(rules.includes('iifname { "lan0" } oifname { "lan0", "wan2" } accept'));
    assert.ok(rules.includes('iifname "lan1" oifname "lan1" accept'));
    assert.equal(
      rules[rules.length - 1],
      `iifname { "lan0", "lan1" } oifname { "lan0", "lan1", "wan1", "wan2" } jump ${FORWARD_DROP_CHAIN}`,
    );
  });

  it('resolves group members: :lan, :isp and :wan, LAN names (else devices) and WAN names', () => {
    const world = worldOf({ lan: [{ device: 'lan0', name: 'office' }, { device: 'lan1' }] });
    assert.deepEqual(groupDevices(world, undefined), [
      { lans: ['lan0', 'lan1'], members: ['lan0', 'lan1', 'wan1', 'wan2'] },
    ]);
    assert.deepEqual(
      groupDevices(world, [
        ['office', 'lte'],
        ['lan1', ':wan'],
      ]),
      [
        { lans: ['lan0'], members: ['lan0', 'wan2'] },
        { lans: ['lan1'], members: ['lan1', 'wan1', 'wan2'] },
      ],
    );
  });

  it('without a LAN (explicitly enabled on a host) drops new WAN traffic and has no LAN rules', () => {
    const s = contribution(worldOf({ firewall: { enabled: true } }));
    assert.ok(!rulesOf(s, INPUT_CHAIN).some((r) => r.includes('lan')));
    assert.deepEqual(rulesOf(s, FORWARD_CHAIN).slice(-1), [`iifname ${W} jump ${FORWARD_DROP_CHAIN}`]);
  });
});
