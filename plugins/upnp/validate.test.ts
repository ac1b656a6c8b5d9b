// Tests mwan's own checks of each UPnP mapping: the served LAN's hosts only, never the router, minPort, static forwards, bounds.
import assert from 'node:assert/strict';
import type { Mapping } from './mapping.ts';
import { parseUpnpOptions } from './options.ts';
import { loadedWith, worldOf } from './testing.ts';
import { checkMappings, mappingRules, type MappingRules } from './validate.ts';

const loaded = loadedWith({
  forwards: [
    { port: 2222, to: '10.0.0.20:22' },
    { port: '8000-8010', proto: 'udp', to: '10.0.0.21' },
    { port: 4000, to: '10.0.0.22', wans: ['isp2'] },
  ],
});
const rulesFor = (options: Record<string, unknown> = {}): MappingRules =>
  mappingRules(worldOf(loaded), parseUpnpOptions({ enabled: true, wans: ['isp1', 'isp3'], ...options }, loaded.config));
const m = (externalPort: number, address = '10.0.0.5', port = externalPort, proto: 'tcp' | 'udp' = 'tcp'): Mapping => ({
  proto,
  externalPort,
  address,
  port,
});

function refusedFor(mapping: Mapping, rules = rulesFor()): string {
  const { mappings, refused } = checkMappings([mapping], rules);
  assert.deepEqual(mappings, []);
  assert.equal(refused.length, 1);
  return `${refused[0].what}: ${refused[0].reason}`;
}

describe('upnp mapping checks', () => {
  it("takes the served LAN's networks, every router address, minPort and the static forwards on UPnP WANs", () => {
    const r = rulesFor();
    assert.deepEqual(r.lanNetworks, ['10.0.0.0/24']);
    assert.deepEqual(r.routerAddresses, ['10.0.0.1', '10.1.0.1', '100.64.1.2', '100.64.2.2', '100.64.3.2']);
    assert.deepEqual(
      r.reservedPorts,
      [
        { from: 2222, to: 2222, index: 0 },
        { from: 8000, to: 8010, index: 1 },
      ],
      'forwards[2] is only on isp2, no UPnP WAN',
    );
    assert.deepEqual(
      { min: r.minPort, client: r.maxPerClient, all: r.maxMappings },
      { min: 1024, client: 32, all: 256 },
    );
  });

  it('forwards honest mappings of LAN hosts in their order', () => {
    const ok = [m(5557), m(3074, '10.0.0.9', 3075, 'udp'), m(4000, '10.0.0.254')];
    assert.deepEqual(checkMappings(ok, rulesFor()), { mappings: ok, refused: [] });
  });

  it('refuses a host outside the served LAN, the router itself, the network and broadcast addresses', () => {
    assert.equal(
      refusedFor(m(6000, '10.1.0.5')),
      'tcp 6000 → 10.1.0.5:6000: internal address 10.1.0.5 is outside the networks of LAN lan0 (10.0.0.0/24)',
    );
    assert.match(refusedFor(m(6000, '192.0.2.5')), /internal address 192\.0\.2\.5 is outside the networks of LAN lan0/);
    assert.match(refusedFor(m(6000, '127.0.0.1')), /internal address 127\.0\.0\.1 is outside/);
    assert.match(refusedFor(m(6000, '10.0.0.1')), /internal address 10\.0\.0\.1 is one of the router's own addresses/);
    assert.match(
      refusedFor(m(6000, '10.0.0.0')),
      /internal address 10\.0\.0\.0 is the network address of 10\.0\.0\.0\/24/,
    );
    assert.match(
      refusedFor(m(6000, '10.0.0.255')),
      /internal address 10\.0\.0\.255 is the broadcast address of 10\.0\.0\.0\/24/,
    );
    assert.match(
      refusedFor(m(6000, '10.0.0.5'), { ...rulesFor(), lanNetworks: [] }),
      /outside the networks of LAN lan0 \(none\)/,
    );
  });

  it('refuses ports below minPort (external or internal) and ports of static forwards', () => {
    assert.match(refusedFor(m(1023)), /external port 1023 is below minPort 1024/);
    assert.match(refusedFor(m(6000, '10.0.0.5', 22)), /internal port 22 is below minPort 1024/);
    assert.match(refusedFor(m(2000), rulesFor({ minPort: 3000 })), /external port 2000 is below minPort 3000/);
    assert.match(refusedFor(m(2222)), /external port 2222 belongs to the static forward forwards\[0\] \(2222\)/);
    assert.match(
      refusedFor(m(8005, '10.0.0.5', 8005, 'tcp')),
      /external port 8005 belongs to the static forward forwards\[1\] \(8000-8010\)/,
    );
    assert.deepEqual(checkMappings([m(4000)], rulesFor()).refused, [], 'a forward on a WAN without UPnP takes nothing');
  });

  it('refuses a second rule for the same protocol and port, and the newest mappings above the bounds', () => {
    const dup = checkMappings([m(7000), m(7000, '10.0.0.6'), m(7000, '10.0.0.6', 7000, 'udp')], rulesFor());
    assert.equal(dup.mappings.length, 2);
    assert.deepEqual(dup.refused, [
      { what: 'tcp 7000 → 10.0.0.6:7000', reason: 'tcp port 7000 is already mapped by an older rule' },
    ]);

    const flood = Array.from({ length: 6 }, (_, i) => m(10000 + i));
    const perClient = checkMappings([...flood, m(20000, '10.0.0.7')], rulesFor({ maxPerClient: 4, maxMappings: 10 }));
    assert.deepEqual(
      perClient.mappings.map((x) => x.externalPort),
      [10000, 10001, 10002, 10003, 20000],
    );
    assert.deepEqual(
      perClient.refused.map((r) => r.reason),
      ['10.0.0.5 already has 4 mappings (maxPerClient)', '10.0.0.5 already has 4 mappings (maxPerClient)'],
    );

    const total = checkMappings(
      Array.from({ length: 5 }, (_, i) => m(10000 + i, `10.0.0.${10 + i}`)),
      rulesFor({ maxPerClient: 1, maxMappings: 3 }),
    );
    assert.equal(total.mappings.length, 3);
    assert.deepEqual(
      total.refused.map((r) => r.what),
      ['tcp 10003 → 10.0.0.13:10003', 'tcp 10004 → 10.0.0.14:10004'],
    );
    assert.match(total.refused[0].reason, /3 mappings are forwarded already \(maxMappings\)/);
  });
});
