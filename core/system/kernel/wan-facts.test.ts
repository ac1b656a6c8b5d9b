// Tests how a WAN's facts are read from what the kernel shows: link flags, first address, gateway discovery.
import assert from 'node:assert/strict';
import { wanSchema, type WanConfig } from '../../../config/schema/schema.ts';
import type { ForeignDefault, LinkState } from './adapter.ts';
import { discoverGateway, factsFromLink } from './wan-facts.ts';
import { link } from '../../../test/kit/link.ts';

/** The core's fields of a WAN (the plugins' fields play no part in its facts). */
const cfg = (extra: Record<string, unknown> = {}): WanConfig =>
  wanSchema.parse({ name: 'isp1', device: 'wan1', ...extra }) as WanConfig;

const wan1Link = (extra: Partial<LinkState> = {}): LinkState => link('wan1', '100.64.1.2', 30, extra);

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
