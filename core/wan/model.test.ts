// Tests the WAN model: the state derived from link facts, admin flag and health, gateway discovery and link facts.
import assert from 'node:assert/strict';
import { wanSchema, type WanConfig } from '../../config/schema/schema.ts';
import type { ForeignDefault, LinkState } from '../system/kernel/adapter.ts';
import {
  canRoute,
  deriveState,
  discoverGateway,
  factsFromLink,
  wanNetwork,
  type Health,
  type WanFacts,
} from './model.ts';
import { link } from '../../test/kit/link.ts';

/** The core's fields of a WAN (the plugins' fields play no part in its state). */
const cfg = (extra: Record<string, unknown> = {}): WanConfig =>
  wanSchema.parse({ name: 'isp1', device: 'wan1', ...extra }) as WanConfig;

const upFacts = (extra: Partial<WanFacts> = {}): WanFacts => ({
  present: true,
  adminUp: true,
  carrier: true,
  pointToPoint: false,
  address: '100.64.1.2',
  prefixLength: 30,
  gateway: '100.64.1.1',
  gatewaySource: 'route',
  ...extra,
});

const wan1Link = (extra: Partial<LinkState> = {}): LinkState => link('wan1', '100.64.1.2', 30, extra);

const derive = (
  facts: WanFacts,
  o: { enabled?: boolean; health?: Health; healthReason?: string; degradedOut?: boolean } = {},
) =>
  deriveState({
    facts,
    enabled: o.enabled ?? true,
    health: o.health ?? 'unknown',
    healthReason: o.healthReason ?? '',
    degradedOut: o.degradedOut ?? false,
  });

describe('deriveState', () => {
  const cases: {
    what: string;
    facts: WanFacts;
    o?: Parameters<typeof derive>[1];
    state: string;
    inService: boolean;
    reason: RegExp;
  }[] = [
    {
      what: 'disabled by an administrator (even with a healthy link)',
      facts: upFacts(),
      o: { enabled: false, health: 'online' },
      state: 'admin-down',
      inService: false,
      reason: /administrator/,
    },
    {
      what: 'device missing',
      facts: { ...factsFromLink(cfg(), undefined, []), present: false },
      state: 'link-down',
      inService: false,
      reason: /does not exist/,
    },
    {
      what: 'device administratively down',
      facts: upFacts({ adminUp: false }),
      state: 'link-down',
      inService: false,
      reason: /administratively down/,
    },
    {
      what: 'no carrier',
      facts: upFacts({ carrier: false }),
      state: 'link-down',
      inService: false,
      reason: /no carrier/,
    },
    {
      what: 'no IPv4 address',
      facts: upFacts({ address: undefined, prefixLength: undefined }),
      state: 'link-down',
      inService: false,
      reason: /no IPv4 address/,
    },
    {
      what: 'no gateway',
      facts: upFacts({ gateway: null, gatewaySource: 'none' }),
      state: 'offline',
      inService: false,
      reason: /no gateway/,
    },
    {
      what: 'point-to-point without a gateway',
      facts: upFacts({ pointToPoint: true, gateway: null, gatewaySource: 'point-to-point' }),
      state: 'online',
      inService: true,
      reason: /link up/,
    },
    {
      what: 'health offline',
      facts: upFacts(),
      o: { health: 'offline', healthReason: '3 of 3 probes lost' },
      state: 'offline',
      inService: false,
      reason: /^3 of 3 probes lost$/,
    },
    {
      what: 'health degraded (still in service)',
      facts: upFacts(),
      o: { health: 'degraded', healthReason: 'rtt 450 ms' },
      state: 'degraded',
      inService: true,
      reason: /^rtt 450 ms$/,
    },
    {
      what: 'health degraded, the trigger takes it out',
      facts: upFacts(),
      o: { health: 'degraded', healthReason: 'loss 30% (trigger loss: out of service)', degradedOut: true },
      state: 'degraded',
      inService: false,
      reason: /trigger loss/,
    },
    {
      what: 'a trigger flag on another verdict is ignored',
      facts: upFacts(),
      o: { health: 'online', healthReason: 'probes answered', degradedOut: true },
      state: 'online',
      inService: true,
      reason: /^probes answered$/,
    },
    {
      what: 'health online',
      facts: upFacts(),
      o: { health: 'online', healthReason: 'probes answered' },
      state: 'online',
      inService: true,
      reason: /^probes answered$/,
    },
    {
      what: 'health unknown with the link up',
      facts: upFacts(),
      state: 'online',
      inService: true,
      reason: /^link up$/,
    },
  ];
  for (const c of cases) {
    it(`${c.what} → ${c.state}`, () => {
      const got = derive(c.facts, c.o);
      assert.equal(got.state, c.state);
      assert.equal(got.inService, c.inService);
      assert.match(got.reason, c.reason);
    });
  }

  it('checks link facts before health: a down link is link-down even when probes say online', () => {
    assert.equal(derive(upFacts({ carrier: false }), { health: 'online' }).state, 'link-down');
  });
});

describe('discoverGateway', () => {
  const defaults: ForeignDefault[] = [
    { dev: 'wan1', via: '100.64.1.9', table: 100, metric: 1 },
    { dev: 'wan1', via: '100.64.1.5', table: 254, metric: 200 },
    { dev: 'wan1', via: '100.64.1.1', table: 254, metric: 100 },
    { dev: 'wan2', via: '100.64.2.1', table: 254, metric: 0 },
    { dev: 'wan1', table: 254, metric: 0 },
  ];

  it('uses the configured gateway, whatever the routes say', () => {
    assert.deepEqual(discoverGateway(cfg({ gateway: '100.64.1.254' }), wan1Link(), defaults), {
      gateway: '100.64.1.254',
      gatewaySource: 'config',
    });
  });

  it('prefers a default route in the main table, then the lowest metric', () => {
    assert.deepEqual(discoverGateway(cfg(), wan1Link(), defaults), { gateway: '100.64.1.1', gatewaySource: 'route' });
  });

  it('picks the lowest metric among main-table defaults whatever their order', () => {
    assert.deepEqual(discoverGateway(cfg(), wan1Link(), [...defaults].reverse()), {
      gateway: '100.64.1.1',
      gatewaySource: 'route',
    });
  });

  it('falls back to another table when main has no default on the device', () => {
    const onlyOther = defaults.filter((d) => d.table !== 254 || d.dev !== 'wan1');
    assert.deepEqual(discoverGateway(cfg(), wan1Link(), onlyOther), { gateway: '100.64.1.9', gatewaySource: 'route' });
  });

  it('ignores defaults of other devices and defaults without a gateway', () => {
    assert.deepEqual(
      discoverGateway(cfg(), wan1Link(), [
        { dev: 'wan2', via: '100.64.2.1', table: 254 },
        { dev: 'wan1', table: 254 },
      ]),
      { gateway: null, gatewaySource: 'none' },
    );
  });

  it('needs no gateway on a point-to-point link', () => {
    assert.deepEqual(discoverGateway(cfg(), wan1Link({ pointToPoint: true }), defaults), {
      gateway: null,
      gatewaySource: 'point-to-point',
    });
  });
});

describe('factsFromLink', () => {
  it('takes link flags and the first address', () => {
    const facts = factsFromLink(
      cfg(),
      wan1Link({
        addresses: [
          { address: '100.64.1.2', prefixLength: 30 },
          { address: '100.64.1.3', prefixLength: 30 },
        ],
      }),
      [{ dev: 'wan1', via: '100.64.1.1', table: 254 }],
    );
    assert.deepEqual(facts, {
      present: true,
      adminUp: true,
      carrier: true,
      pointToPoint: false,
      address: '100.64.1.2',
      prefixLength: 30,
      gateway: '100.64.1.1',
      gatewaySource: 'route',
    });
  });

  it('reports a missing device as absent, down and without an address', () => {
    const facts = factsFromLink(cfg(), undefined, []);
    assert.equal(facts.present, false);
    assert.equal(facts.adminUp, false);
    assert.equal(facts.carrier, false);
    assert.equal(facts.address, undefined);
    assert.equal(derive(facts).state, 'link-down');
  });

  it('keeps a configured gateway in the empty facts', () => {
    assert.deepEqual(
      [
        factsFromLink(cfg({ gateway: '100.64.1.1' }), undefined, []).gateway,
        factsFromLink(cfg({ gateway: '100.64.1.1' }), undefined, []).gatewaySource,
      ],
      ['100.64.1.1', 'config'],
    );
    assert.deepEqual(
      [factsFromLink(cfg(), undefined, []).gateway, factsFromLink(cfg(), undefined, []).gatewaySource],
      [null, 'none'],
    );
  });
});

describe('canRoute and wanNetwork', () => {
  it('can route through an up device with an address, even without carrier', () => {
    assert.equal(canRoute(upFacts({ carrier: false })), true);
    assert.equal(canRoute(upFacts({ adminUp: false })), false);
    assert.equal(canRoute(upFacts({ address: undefined })), false);
    assert.equal(canRoute(upFacts({ present: false })), false);
  });

  it('computes the connected network', () => {
    assert.equal(wanNetwork(upFacts({ address: '100.64.1.6', prefixLength: 30 })), '100.64.1.4/30');
    assert.equal(wanNetwork(upFacts({ address: '10.0.0.5', prefixLength: 32 })), '10.0.0.5/32');
    assert.equal(wanNetwork(upFacts({ address: undefined })), undefined);
  });
});
