// Tests the WAN registry: observations turned into link, address, gateway and WAN state events; admin and health changes.
import assert from 'node:assert/strict';
import { EventBus } from '../bus.ts';
import { parseConfig } from '../../config/schema/parse.ts';
import { MwanError } from '../errors.ts';
import type { LinkState, ObservedNetwork } from '../system/kernel/adapter.ts';
import { WanRegistry } from './registry.ts';
import { link } from '../../test/kit/link.ts';

function network(o: { wan1?: Partial<LinkState>; wan2?: Partial<LinkState>; gw1?: string } = {}): ObservedNetwork {
  return {
    links: [
      link('wan1', '100.64.1.2', 30, o.wan1),
      link('wan2', '100.64.2.2', 30, o.wan2),
      link('lan0', '192.168.1.1'),
    ],
    defaults: [
      { dev: 'wan1', via: o.gw1 ?? '100.64.1.1', table: 254 },
      { dev: 'wan2', via: '100.64.2.1', table: 254 },
    ],
  };
}

function setup(disabled: string[] = []) {
  const loaded = parseConfig({
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2' },
    ],
    lan: [{ device: 'lan0' }],
  });
  const bus = new EventBus();
  const events: [string, unknown][] = [];
  bus.onAny((event, payload) => {
    events.push([event, payload]);
  });
  const registry = new WanRegistry(loaded.config, loaded.layout, bus, disabled, 1000);
  return { registry, events, layout: loaded.layout };
}

const only = (events: [string, unknown][], ...names: string[]) => events.filter(([e]) => names.includes(e));

describe('WanRegistry', () => {
  it('starts every WAN unknown, out of service, with its layout ids', () => {
    const { registry, layout } = setup();
    assert.deepEqual(
      registry.wans.map((w) => [w.name, w.state, w.inService, w.enabled]),
      [
        ['isp1', 'unknown', false, true],
        ['isp2', 'unknown', false, true],
      ],
    );
    assert.equal(registry.get('isp1').ids, layout.wans.get('isp1'));
  });

  it('starts a WAN remembered as disabled in admin-down once observed', () => {
    const { registry, events } = setup(['isp2']);
    registry.observe(network());
    assert.equal(registry.get('isp2').state, 'admin-down');
    assert.deepEqual(only(events, 'wan.online'), [['wan.online', { wan: 'isp1', family: 'ipv4', reason: 'link up' }]]);
  });

  it('the first observation brings healthy WANs online and reports no link changes', () => {
    const { registry, events } = setup();
    assert.equal(registry.observe(network()), true);
    assert.deepEqual(events, [
      ['gateway.changed', { device: 'wan1', gateway: '100.64.1.1' }],
      ['wan.online', { wan: 'isp1', family: 'ipv4', reason: 'link up' }],
      ['gateway.changed', { device: 'wan2', gateway: '100.64.2.1' }],
      ['wan.online', { wan: 'isp2', family: 'ipv4', reason: 'link up' }],
    ]);
    assert.equal(registry.get('isp1').facts.gatewaySource, 'route');
  });

  it('an identical observation changes nothing and emits nothing', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    assert.equal(registry.observe(network()), false);
    assert.deepEqual(events, []);
  });

  it('carrier loss emits link.down and wan.offline; carrier back emits link.up and wan.online', () => {
    const { registry, events } = setup();
    registry.observe(network(), 1000);
    events.length = 0;
    assert.equal(registry.observe(network({ wan2: { carrier: false } }), 2000), true);
    assert.deepEqual(events, [
      ['link.down', { device: 'wan2' }],
      ['wan.offline', { wan: 'isp2', family: 'ipv4', reason: 'no carrier' }],
    ]);
    const w = registry.get('isp2');
    assert.deepEqual([w.state, w.inService, w.since], ['link-down', false, 2000]);

    events.length = 0;
    registry.observe(network(), 3000);
    assert.deepEqual(events, [
      ['link.up', { device: 'wan2' }],
      ['wan.online', { wan: 'isp2', family: 'ipv4', reason: 'link up', downForMs: 1000 }],
    ]);
    assert.equal(registry.get('isp2').since, 3000);
  });

  it('a device that disappears emits link.down and takes its WAN offline', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    const net = network();
    net.links = net.links.filter((l) => l.name !== 'wan1');
    registry.observe(net);
    const byName = (a: [string, unknown], b: [string, unknown]) => a[0].localeCompare(b[0]);
    assert.deepEqual(only(events, 'link.down', 'wan.offline').sort(byName), [
      ['link.down', { device: 'wan1' }],
      ['wan.offline', { wan: 'isp1', family: 'ipv4', reason: 'device does not exist' }],
    ]);
    assert.equal(registry.get('isp1').facts.present, false);
  });

  it('an address change emits addr.changed with the new addresses and updates the facts', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    const changed = registry.observe(
      network({ wan1: { addresses: [{ address: '100.64.1.6', prefixLength: 30 }] }, gw1: '100.64.1.5' }),
    );
    assert.equal(changed, true);
    assert.deepEqual(only(events, 'addr.changed'), [
      ['addr.changed', { device: 'wan1', addresses: ['100.64.1.6/30'] }],
    ]);
    assert.deepEqual(only(events, 'gateway.changed'), [['gateway.changed', { device: 'wan1', gateway: '100.64.1.5' }]]);
    assert.deepEqual(only(events, 'wan.online', 'wan.offline'), [], 'the WAN stays in service');
    assert.equal(registry.get('isp1').facts.address, '100.64.1.6');
  });

  it('losing the address takes the WAN out with an empty addr.changed', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    registry.observe(network({ wan1: { addresses: [] } }));
    assert.deepEqual(only(events, 'addr.changed', 'wan.offline'), [
      ['addr.changed', { device: 'wan1', addresses: [] }],
      ['wan.offline', { wan: 'isp1', family: 'ipv4', reason: 'no IPv4 address' }],
    ]);
  });

  it('reports link changes of non-WAN devices too', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    const net = network();
    net.links[2] = { ...net.links[2], carrier: false };
    assert.equal(registry.observe(net), false, 'no WAN changed');
    assert.deepEqual(events, [['link.down', { device: 'lan0' }]]);
  });

  it('setEnabled(false) emits wan.admin and wan.offline and takes the WAN out; setEnabled(true) brings it back', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    assert.equal(registry.setEnabled('isp1', false), true);
    assert.deepEqual(events, [
      ['wan.admin', { wan: 'isp1', enabled: false }],
      ['wan.offline', { wan: 'isp1', family: 'ipv4', reason: 'taken out of service by an administrator' }],
    ]);
    assert.deepEqual([registry.get('isp1').state, registry.get('isp1').inService], ['admin-down', false]);

    events.length = 0;
    assert.equal(registry.setEnabled('isp1', false), false, 'already disabled');
    assert.deepEqual(events, []);

    assert.equal(registry.setEnabled('isp1', true), true);
    const online = events[1][1] as { downForMs?: number };
    assert.equal(typeof online.downForMs, 'number', 'wan.online says how long the WAN was out');
    delete online.downForMs;
    assert.deepEqual(events, [
      ['wan.admin', { wan: 'isp1', enabled: true }],
      ['wan.online', { wan: 'isp1', family: 'ipv4', reason: 'link up' }],
    ]);
  });

  it('a disabled WAN stays out of service when its link changes', () => {
    const { registry, events } = setup();
    registry.observe(network());
    registry.setEnabled('isp2', false);
    events.length = 0;
    registry.observe(network({ wan2: { carrier: false } }));
    registry.observe(network());
    assert.deepEqual(only(events, 'wan.online'), []);
    assert.equal(registry.get('isp2').inService, false);
  });

  it('health verdicts: degraded keeps the WAN in service, offline takes it out with the probe reason', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    assert.equal(registry.setHealth('isp1', { health: 'degraded', reason: 'loss 20%' }), true);
    assert.deepEqual(events, [['wan.degraded', { wan: 'isp1', family: 'ipv4', reason: 'loss 20%' }]]);
    assert.equal(registry.get('isp1').inService, true);
    events.length = 0;
    assert.equal(registry.setHealth('isp1', { health: 'offline', reason: 'loss 100%' }), true);
    assert.deepEqual(events, [['wan.offline', { wan: 'isp1', family: 'ipv4', reason: 'loss 100%' }]]);
    assert.equal(registry.setHealth('isp1', { health: 'offline', reason: 'loss 100%' }), false, 'same verdict again');
  });

  it('health verdicts: a degraded WAN whose trigger fires leaves service (degraded, then offline), and comes back when it clears', () => {
    const { registry, events } = setup();
    registry.observe(network());
    events.length = 0;
    const figures = { rttMs: 20, lossPct: 30 };
    assert.equal(
      registry.setHealth(
        'isp1',
        { health: 'degraded', reason: 'loss 30% (trigger loss: out of service)', ...figures, outOfService: true },
        1000,
      ),
      true,
    );
    assert.deepEqual(
      events.map((e) => e[0]),
      ['wan.degraded', 'wan.offline'],
    );
    assert.deepEqual([registry.get('isp1').state, registry.get('isp1').inService], ['degraded', false]);
    events.length = 0;
    assert.equal(registry.setHealth('isp1', { health: 'degraded', reason: 'loss 30%', ...figures }, 2000), true);
    assert.deepEqual(events, [
      ['wan.online', { wan: 'isp1', family: 'ipv4', reason: 'loss 30%', rttMs: 20, lossPct: 30, downForMs: 1000 }],
    ]);
    assert.equal(registry.get('isp1').inService, true);
  });

  it('names the configured WANs when asked for an unknown one', () => {
    const { registry } = setup();
    assert.throws(
      () => registry.setEnabled('isp9', false),
      (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_UNKNOWN_WAN');
        assert.match(error.message, /'isp9'.*isp1, isp2/);
        return true;
      },
    );
  });

  it('counts flaps (leaving service for a failure, not by hand) and keeps the last failure with its reason', () => {
    const { registry } = setup();
    registry.observe(network(), 2000);
    assert.deepEqual([registry.get('isp1').flaps, registry.get('isp1').lastFailure], [0, undefined]);
    registry.setHealth(
      'isp1',
      { health: 'offline', reason: 'fewer than 1 of 2 targets answered in 4 rounds', rttMs: null, lossPct: 100 },
      3000,
    );
    registry.setHealth('isp1', { health: 'online', reason: '2/2 targets answering', rttMs: 10, lossPct: null }, 4000);
    registry.observe(network({ wan1: { carrier: false } }), 5000);
    registry.observe(network(), 6000);
    registry.setEnabled('isp1', false, 7000);
    registry.setEnabled('isp1', true, 8000);
    const w = registry.get('isp1');
    assert.equal(w.flaps, 2);
    assert.deepEqual(w.lastFailure, { at: 5000, reason: 'link-down: no carrier' });
    assert.equal(registry.get('isp2').flaps, 0);
  });

  it('a link-down WAN keeps no RTT or loss from before, even when a late probe round reports', () => {
    const { registry } = setup();
    registry.observe(network(), 2000);
    registry.setHealth('isp1', { health: 'online', reason: '2/2 targets answering', rttMs: 12, lossPct: 0 }, 3000);
    registry.observe(network({ wan1: { carrier: false } }), 4000);
    assert.deepEqual(registry.get('isp1').figures, { rttMs: null, lossPct: null });
    registry.setHealth('isp1', { health: 'online', reason: '2/2 targets answering', rttMs: 13, lossPct: 0 }, 4500);
    assert.deepEqual(registry.get('isp1').figures, { rttMs: null, lossPct: null });
  });
  it("a reload keeps the named WANs' verdict, state and since; their new probes' first `unknown` does not replace it", () => {
    const old = setup();
    old.registry.observe(network(), 2000);
    old.registry.setHealth('isp1', { health: 'online', reason: '2/2 targets answering' }, 3000);
    old.registry.setHealth(
      'isp2',
      { health: 'offline', reason: 'fewer than 1 of 2 targets answered in 4 rounds' },
      4000,
    );
    const next = setup();
    next.registry.adopt(old.registry, ['isp1', 'isp2']);
    assert.equal(next.registry.observe(network(), 9000), false, 'nothing changed');
    assert.equal(
      next.registry.setHealth('isp1', { health: 'unknown', reason: 'waiting for probe answers' }, 9500),
      false,
    );
    next.registry.setHealth('isp1', { health: 'online', reason: '1/2 targets answering' }, 9600);
    assert.deepEqual(
      next.registry.wans.map((w) => [w.name, w.state, w.since, w.inService]),
      [
        ['isp1', 'online', 2000, true],
        ['isp2', 'offline', 4000, false],
      ],
    );
    assert.deepEqual(only(next.events, 'wan.online', 'wan.offline'), []);
    const fresh = setup();
    fresh.registry.adopt(old.registry, ['isp2']);
    fresh.registry.observe(network(), 9000);
    assert.equal(fresh.registry.get('isp1').since, 9000, 'a WAN not named starts afresh');
  });
  it('a used-up quota: offline leaves service; standby serves only while no other WAN does; null restores it', () => {
    const { registry, events } = setup();
    registry.observe(network(), 2000);
    registry.setQuotaOut('isp1', 'offline', 3000);
    assert.deepEqual([registry.get('isp1').state, registry.get('isp1').inService], ['offline', false]);
    assert.equal(registry.get('isp1').flaps, 0, 'a used-up quota is not a failure');
    registry.setQuotaOut('isp1', 'standby', 3500);
    assert.equal(registry.get('isp1').inService, false, 'standby while isp2 serves');
    assert.match(registry.get('isp1').reason, /standby/);
    registry.observe(network({ wan2: { carrier: false } }), 4000);
    assert.equal(registry.get('isp1').inService, true, 'the last WAN left: standby serves');
    registry.observe(network(), 5000);
    assert.equal(registry.get('isp1').inService, false, 'isp2 back: standby again');
    registry.setQuotaOut('isp1', null, 6000);
    assert.deepEqual([registry.get('isp1').state, registry.get('isp1').inService], ['online', true]);
    assert.ok(only(events, 'wan.offline').some((e) => (e[1] as { wan: string }).wan === 'isp1'));
  });
  it('an HA single-address uplink the peer holds: held-by-peer while it has no address, no flap; ours again by its address', () => {
    const { registry } = setup();
    registry.observe(network(), 2000);
    assert.equal(registry.get('isp2').inService, true);
    // The master becomes backup: keepalived takes the address off the VMAC, the ha plugin says the peer holds it.
    registry.setHeldByPeer('isp2', true, 3000);
    registry.observe(network({ wan2: { addresses: [] } }), 3100);
    const held = registry.get('isp2');
    assert.deepEqual([held.state, held.inService], ['held-by-peer', false]);
    assert.match(held.reason, /held by the HA peer/);
    assert.equal(held.flaps, 0, 'held by the peer is not a failure');
    assert.equal(held.lastFailure, undefined);
    // Without the flag the same facts are a link-down.
    registry.setHeldByPeer('isp2', false, 4000);
    assert.equal(registry.get('isp2').state, 'link-down');
    // Master again: the address comes back and the WAN serves on its facts alone (no probe verdict to wait for).
    registry.setHeldByPeer('isp2', true, 5000);
    registry.setHeldByPeer('isp2', false, 6000);
    registry.observe(network(), 6100);
    assert.deepEqual([registry.get('isp2').state, registry.get('isp2').inService], ['online', true]);
    assert.equal(registry.get('isp2').flaps, 0, 'it never left service for a failure');
  });
});
