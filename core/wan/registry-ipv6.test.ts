// Tests the registry's IPv6 side (issue 13): its own verdict and service, link-down without an address, shared fate.
import assert from 'node:assert/strict';
import { EventBus } from '../bus.ts';
import { parseConfig } from '../../config/schema/parse.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';
import { WanRegistry } from './registry.ts';
import { link } from '../../test/kit/link.ts';

const V6 = (address: string) => ({ addresses6: [{ address, prefixLength: 64 }] });

function network(o: { v6?: boolean; carrier?: boolean } = {}): ObservedNetwork {
  const v6 = o.v6 ?? true;
  return {
    links: [
      link('wan1', '100.64.1.2', 30, { carrier: o.carrier ?? true, ...(v6 ? V6('2001:db8:1::2') : {}) }),
      link('wan2', '100.64.2.2', 30, v6 ? V6('2001:db8:2::2') : {}),
      link('wan3', '100.64.3.2', 30),
    ],
    defaults: [
      { dev: 'wan1', via: '100.64.1.1', table: 254 },
      { dev: 'wan2', via: '100.64.2.1', table: 254 },
      { dev: 'wan3', via: '100.64.3.1', table: 254 },
    ],
  };
}

function setup() {
  const loaded = parseConfig({
    wans: [
      // isp1 probes both families; isp2 only IPv4 (its IPv6 shares the verdict); isp3 has no IPv6 at all.
      { name: 'isp1', device: 'wan1', probes: [{ target: '192.0.2.1' }, { target: '[2001:db8::10]' }] },
      { name: 'isp2', device: 'wan2', probes: [{ target: '192.0.2.1' }] },
      { name: 'isp3', device: 'wan3', probes: [{ target: '192.0.2.1' }] },
    ],
    lan: [{ device: 'lan0' }],
  });
  const bus = new EventBus();
  const events: [string, Record<string, unknown>][] = [];
  bus.onAny((event, payload) => {
    if (event.startsWith('wan.')) events.push([event, payload as Record<string, unknown>]);
  });
  const registry = new WanRegistry(loaded.config, loaded.layout, bus, [], 1000);
  const said = () => events.map(([e, p]) => `${e} ${p.wan} ${p.family}`);
  return { registry, events, said, bus };
}

describe('WanRegistry: IPv6 per family', () => {
  it('a WAN with IPv6 takes service for each family; one without IPv6 has no IPv6 side', () => {
    const { registry, said } = setup();
    registry.observe(network(), 2000);
    assert.deepEqual(said().sort(), [
      'wan.online isp1 ipv4',
      'wan.online isp1 ipv6',
      'wan.online isp2 ipv4',
      'wan.online isp2 ipv6',
      'wan.online isp3 ipv4',
    ]);
    const six = registry.get('isp1').ipv6!;
    assert.deepEqual([six.facts.address, six.state, six.inService, six.since], ['2001:db8:1::2', 'online', true, 2000]);
    assert.equal(registry.get('isp3').ipv6, undefined);
  });

  it('an IPv6 verdict takes only IPv6 out of service, and brings it back; IPv4 is untouched', () => {
    const { registry, events, said } = setup();
    registry.observe(network(), 2000);
    registry.setHealth('isp1', { health: 'online', reason: '2 of 2 targets answer' }, 2500);
    events.length = 0;
    assert.equal(
      registry.setHealth('isp1', { health: 'offline', reason: 'no answer in 4 rounds', family: 'ipv6' }, 3000),
      true,
    );
    assert.deepEqual(said(), ['wan.offline isp1 ipv6']);
    assert.deepEqual(events[0][1], { wan: 'isp1', family: 'ipv6', reason: 'no answer in 4 rounds' });
    const w = registry.get('isp1');
    assert.deepEqual([w.state, w.inService], ['online', true]);
    assert.deepEqual(
      [w.ipv6!.state, w.ipv6!.inService, w.ipv6!.health, w.ipv6!.since],
      ['offline', false, 'offline', 3000],
    );
    events.length = 0;
    registry.setHealth('isp1', { health: 'online', reason: '1 of 1 targets answer', family: 'ipv6' }, 5000);
    assert.deepEqual(said(), ['wan.online isp1 ipv6']);
    assert.equal((events[0][1] as Record<string, unknown>).downForMs, 2000);
    assert.equal(registry.get('isp1').ipv6!.inService, true);
  });

  it('an IPv4 verdict leaves IPv6 alone when the WAN probes IPv6 itself', () => {
    const { registry, said, events } = setup();
    registry.observe(network(), 2000);
    events.length = 0;
    registry.setHealth('isp1', { health: 'offline', reason: 'no answer' }, 3000);
    assert.deepEqual(said(), ['wan.offline isp1 ipv4']);
    assert.equal(registry.get('isp1').ipv6!.inService, true);
  });

  it('without IPv6 targets, IPv6 shares the IPv4 verdict (said in its reason)', () => {
    const { registry, said, events } = setup();
    registry.observe(network(), 2000);
    events.length = 0;
    registry.setHealth('isp2', { health: 'offline', reason: 'no answer' }, 3000);
    assert.deepEqual(said(), ['wan.offline isp2 ipv4', 'wan.offline isp2 ipv6']);
    const six = registry.get('isp2').ipv6!;
    assert.equal(six.inService, false);
    assert.match(six.reason, /no answer \(shared with IPv4: no IPv6 probe targets\)/);
  });

  it('no IPv6 address is link-down for IPv6 only; a carrier loss takes both families down', () => {
    const { registry, said, events } = setup();
    registry.observe(network({ v6: false }), 2000);
    const w = registry.get('isp1');
    assert.deepEqual([w.state, w.inService], ['online', true]);
    assert.deepEqual([w.ipv6!.state, w.ipv6!.reason, w.ipv6!.inService], ['link-down', 'no IPv6 address', false]);
    assert.equal(registry.get('isp2').ipv6, undefined, 'no IPv6 address and no IPv6 targets: no IPv6 side');
    registry.observe(network(), 2500);
    events.length = 0;
    registry.observe(network({ carrier: false }), 3000);
    assert.deepEqual(said(), ['wan.offline isp1 ipv4', 'wan.offline isp1 ipv6']);
    assert.equal(registry.get('isp1').ipv6!.reason, 'no carrier');
  });

  it('an address that goes leaves the IPv6 side in place, link-down', () => {
    const { registry, said, events } = setup();
    registry.observe(network(), 2000);
    events.length = 0;
    registry.observe(network({ v6: false }), 3000);
    assert.deepEqual(said().sort(), ['wan.offline isp1 ipv6', 'wan.offline isp2 ipv6']);
    assert.equal(registry.get('isp2').ipv6!.state, 'link-down');
  });

  it('an IPv6 address that becomes usable (DAD done) emits addr.changed at once, with both families', () => {
    const { registry, bus } = setup();
    const seen: unknown[] = [];
    bus.on('addr.changed', (p) => {
      seen.push(p);
    });
    registry.observe(network({ v6: false }), 2000);
    registry.observe(network(), 3000);
    assert.deepEqual(seen, [
      { device: 'wan1', addresses: ['100.64.1.2/30', '2001:db8:1::2/64'] },
      { device: 'wan2', addresses: ['100.64.2.2/30', '2001:db8:2::2/64'] },
    ]);
  });
});

describe('WanRegistry: a configured IPv6 side', () => {
  const loadedAuto = parseConfig({
    wans: [
      { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', ipv6: { gateway: 'fe80::1' } },
      { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
    ],
  });
  const netAuto = (carrier: boolean, v6addr = true): ObservedNetwork => ({
    links: [link('wan1', '100.64.1.2', 30, { carrier }), link('wan2', '100.64.2.2')],
    defaults: [],
    ipv6: {
      addresses: v6addr ? [{ dev: 'wan1', address: '2001:db8:1::2', prefixLength: 64 }] : [],
      defaults: [],
      delegated: [{ prefix: '2001:db8:1:100::/56' }, { prefix: '2001:db8:7:100::/56' }],
    },
  });

  it('IPv6 service follows IPv4 (shared fate) and needs an IPv6 address; the object changes only with it', () => {
    const r = new WanRegistry(loadedAuto.config, loadedAuto.layout, new EventBus());
    r.observe(netAuto(true));
    const w = r.get('isp1');
    assert.equal(w.ipv6?.inService, true);
    assert.equal(w.ipv6?.health, 'unknown');
    const same = w.ipv6;
    r.observe(netAuto(true));
    assert.equal(w.ipv6, same, 'nothing changed: the same object (the world memo compares by identity)');
    r.observe(netAuto(false));
    assert.equal(w.inService, false);
    assert.deepEqual([w.ipv6?.inService, w.ipv6?.state], [false, 'link-down']);
    r.observe(netAuto(true, false));
    assert.equal(w.inService, true);
    assert.deepEqual([w.ipv6?.inService, w.ipv6?.reason], [false, 'no IPv6 address']);
    assert.equal(r.get('isp2').ipv6, undefined);
  });
});
