// Tests the upnp rules: the preferred WAN, each mapping as a forward on every UPnP WAN (and hairpin), the STUN route.
import assert from 'node:assert/strict';
import type { Mapping } from './mapping.ts';
import { mappingDnatRules, mappingHairpinRules, preferredWan, stunRule, upnpWans } from './rules.ts';
import { loadedWith, network, worldOf } from './testing.ts';

const ALL = ['isp1', 'isp2', 'isp3'];
const tcp: Mapping = { proto: 'tcp', externalPort: 9000, address: '10.0.0.5', port: 9000 };
const udp: Mapping = { proto: 'udp', externalPort: 3074, address: '10.0.0.9', port: 3075 };

describe('upnp rules', () => {
  describe('preferredWan', () => {
    it('failover: the lowest tier in service; the next tier when it fails', () => {
      const loaded = loadedWith({
        mode: 'failover',
        wans: [
          { name: 'isp1', device: 'wan1', tier: 2 },
          { name: 'isp2', device: 'wan2' },
          { name: 'isp3', device: 'wan3', tier: 3 },
        ],
      });
      assert.equal(preferredWan(worldOf(loaded), ALL)?.name, 'isp2');
      assert.equal(preferredWan(worldOf(loaded, network({ down: [2] })), ALL)?.name, 'isp1');
      assert.equal(
        preferredWan(worldOf(loaded, network(), ['isp2', 'isp1']), ALL)?.name,
        'isp3',
        'admin-down WANs are not preferred',
      );
    });

    it('balanced: the highest weight, then config order', () => {
      const loaded = loadedWith({
        wans: [
          { name: 'isp1', device: 'wan1' },
          { name: 'isp2', device: 'wan2', weight: 3 },
          { name: 'isp3', device: 'wan3', weight: 3 },
        ],
      });
      assert.equal(preferredWan(worldOf(loaded), ALL)?.name, 'isp2');
      assert.equal(preferredWan(worldOf(loaded, network({ down: [2] })), ALL)?.name, 'isp3');
      assert.equal(preferredWan(worldOf(loadedWith()), ALL)?.name, 'isp1');
    });

    it('only UPnP WANs; when none of them takes new connections, one of them in service; none in service: undefined', () => {
      const loaded = loadedWith({
        mode: 'failover',
        wans: [
          { name: 'isp1', device: 'wan1' },
          { name: 'isp2', device: 'wan2', tier: 2 },
          { name: 'isp3', device: 'wan3', tier: 3 },
        ],
      });
      assert.equal(preferredWan(worldOf(loaded), ['isp3', 'isp2'])?.name, 'isp2');
      assert.equal(preferredWan(worldOf(loaded, network({ down: [2] })), ['isp3', 'isp2'])?.name, 'isp3');
      assert.equal(preferredWan(worldOf(loaded, network({ down: [1, 2, 3] })), ALL), undefined);
    });
  });

  it('each mapping is DNATed on every UPnP WAN, whatever its state, and for LAN clients using a WAN address', () => {
    const world = worldOf(loadedWith(), network({ down: [2] }));
    const wans = upnpWans(world, ALL);
    assert.deepEqual(mappingDnatRules([tcp, udp], wans, ['lan0', 'lan1']), [
      'iifname { "wan1", "wan2", "wan3" } fib daddr type local tcp dport 9000 dnat ip to 10.0.0.5:9000',
      'iifname { "lan0", "lan1" } ip daddr { 100.64.1.2, 100.64.2.2, 100.64.3.2 } tcp dport 9000 dnat ip to 10.0.0.5:9000',
      'iifname { "wan1", "wan2", "wan3" } fib daddr type local udp dport 3074 dnat ip to 10.0.0.9:3075',
      'iifname { "lan0", "lan1" } ip daddr { 100.64.1.2, 100.64.2.2, 100.64.3.2 } udp dport 3074 dnat ip to 10.0.0.9:3075',
    ]);
    assert.deepEqual(mappingHairpinRules([tcp], wans, ['lan0']), [
      'iifname { "lan0" } oifname { "lan0" } ct status dnat ct original ip daddr { 100.64.1.2, 100.64.2.2, 100.64.3.2 } masquerade',
    ]);
  });

  it('a subset of WANs, a WAN without address (DNAT by device only), no LAN (no hairpin), no mappings (nothing)', () => {
    const world = worldOf(loadedWith(), network({ noAddress: [3] }));
    const wans = upnpWans(world, ['isp3', 'isp2']);
    assert.deepEqual(mappingDnatRules([tcp], wans, ['lan0']), [
      'iifname { "wan2", "wan3" } fib daddr type local tcp dport 9000 dnat ip to 10.0.0.5:9000',
      'iifname { "lan0" } ip daddr { 100.64.2.2 } tcp dport 9000 dnat ip to 10.0.0.5:9000',
    ]);
    assert.deepEqual(mappingDnatRules([tcp], wans, []), [
      'iifname { "wan2", "wan3" } fib daddr type local tcp dport 9000 dnat ip to 10.0.0.5:9000',
    ]);
    assert.deepEqual(mappingHairpinRules([tcp], wans, []), []);
    assert.deepEqual(mappingDnatRules([], wans, ['lan0']), []);
    assert.deepEqual(mappingHairpinRules([], wans, ['lan0']), []);
  });

  it("routes the router's own STUN queries out of the served WAN, only for a server given as an address and a WAN without a static address", () => {
    const world = worldOf(loadedWith());
    const [isp1, isp2] = world.wans;
    const stun = { host: '192.0.2.10', port: 3478 };
    assert.deepEqual(stunRule({ stun, externalAddresses: {} }, world, isp2), {
      priority: world.layout.pluginPriorities[1],
      to: '192.0.2.10',
      iif: 'lo',
      table: isp2.table,
    });
    assert.equal(
      stunRule({ stun: { host: 'stun.example.net', port: 3478 }, externalAddresses: {} }, world, isp1),
      undefined,
    );
    assert.equal(stunRule({ stun, externalAddresses: { isp1: '8.8.4.5' } }, world, isp1), undefined);
    assert.equal(stunRule({ stun, externalAddresses: {} }, world, undefined), undefined);
    assert.equal(stunRule({ externalAddresses: {} }, world, isp1), undefined);
  });
});
