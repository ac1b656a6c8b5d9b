// Tests the WAN model: the state derived from link facts, admin flag and health; what a WAN can route.
import assert from 'node:assert/strict';
import { wanSchema, type WanConfig } from '../../config/schema/schema.ts';
import { factsFromLink, type WanFacts } from '../system/kernel/wan-facts.ts';
import { canRoute, deriveState, wanNetwork, type Health } from './model.ts';

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

describe('deriveState from the facts of a missing device', () => {
  it('reports a missing device as absent, down and without an address', () => {
    const facts = factsFromLink(cfg(), undefined, []);
    assert.equal(facts.present, false);
    assert.equal(facts.adminUp, false);
    assert.equal(facts.carrier, false);
    assert.equal(facts.address, undefined);
    assert.equal(derive(facts).state, 'link-down');
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
