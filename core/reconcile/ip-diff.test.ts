// Tests reading `ip -json` rules and routes (ip-read, ip-canonical) and diffing them against desired state into `ip -batch` lines.
import assert from 'node:assert/strict';
import type { RouteSpec, RuleSpec } from './desired.ts';
import { routeArgs, routeIdentity, ruleArgs } from '../system/kernel/ip-canonical.ts';
import { diffIp, removalIpFamilies } from './ip-diff.ts';
import { parseRoutes, parseRules, type Ownership } from '../system/kernel/ip-read.ts';

/** mwan's ownership for the default kernel section: protocol 249, priorities 1000-1511, tables 1000-1255. */
const OWN: Ownership = { routeProtocol: 249, priorityRange: [1000, 1511], tableRange: [1000, 1255] };

/** `ip -json -4 rule show` on a router running mwan, with rules of other software mixed in. */
const RULES_JSON = JSON.stringify([
  { priority: 0, src: 'all', table: 'local' },
  { priority: 900, src: 'all', fwmark: '0x1', table: '1001', protocol: '249' },
  { priority: 1000, src: 'all', table: 'main', suppress_prefixlen: 0, protocol: '249' },
  { priority: 1001, src: 'all', fwmark: '0x100', fwmask: '0xff00', table: '1001', protocol: '249' },
  { priority: 1002, src: 'all', fwmark: '0x200', fwmask: '0xff00', table: '1002', protocol: '249' },
  { priority: 1100, src: '10.8.0.0', srclen: 24, table: '1001', protocol: 'static' },
  { priority: 1200, src: 'all', iif: 'wg0', table: '1001' },
  { priority: 1256, src: '100.64.1.2', table: '1001', protocol: '249' },
  { priority: 1257, src: '100.64.2.2', table: '1002', protocol: '249' },
  { priority: 1511, src: 'all', table: '1000', protocol: '249' },
  { priority: 20000, src: 'all', table: '51820', protocol: '249' },
  { priority: 32766, src: 'all', table: 'main' },
  { priority: 32767, src: 'all', table: 'default' },
]);

/** `ip -json -4 route show table all`: mwan's routes (wan2 has lost carrier), the host's own, and foreign ones. */
const ROUTES_JSON = JSON.stringify([
  {
    dst: 'default',
    gateway: '192.168.0.1',
    dev: 'eth0',
    protocol: 'dhcp',
    prefsrc: '192.168.0.10',
    metric: 100,
    flags: [],
  },
  { dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.0.10', flags: [] },
  {
    dst: 'default',
    table: '1000',
    protocol: '249',
    flags: [],
    nexthops: [
      { gateway: '100.64.1.1', dev: 'wan1', weight: 2, flags: [] },
      { gateway: '100.64.9.1', dev: 'wan2', weight: 1, flags: ['onlink', 'linkdown'] },
    ],
  },
  { dst: 'default', gateway: '100.64.1.1', dev: 'wan1', table: '1001', protocol: '249', flags: [] },
  {
    dst: '100.64.1.0/30',
    dev: 'wan1',
    table: '1001',
    protocol: '249',
    scope: 'link',
    prefsrc: '100.64.1.2',
    flags: [],
  },
  { dst: '203.0.113.7', dev: 'wan1', table: '1001', protocol: '249', scope: 'link', flags: [] },
  { dst: 'default', gateway: '10.8.0.1', dev: 'wg0', table: '1001', protocol: 'static', metric: 50, flags: [] },
  { dst: 'default', gateway: '100.64.9.1', dev: 'wan2', table: '1002', protocol: '249', flags: ['onlink', 'linkdown'] },
  {
    dst: '100.64.2.0/30',
    dev: 'wan2',
    table: '1002',
    protocol: '249',
    scope: 'link',
    prefsrc: '100.64.2.2',
    flags: ['linkdown'],
  },
  { dst: '10.99.0.0/16', gateway: '100.64.1.1', dev: 'wan1', table: '999', protocol: '249', flags: [] },
  { dst: 'default', dev: 'wg0', table: '51820', protocol: '249', scope: 'link', flags: [] },
  {
    type: 'local',
    dst: '100.64.1.2',
    table: 'local',
    dev: 'wan1',
    protocol: 'kernel',
    scope: 'host',
    prefsrc: '100.64.1.2',
    flags: [],
  },
  {
    type: 'broadcast',
    dst: '100.64.1.3',
    table: 'local',
    dev: 'wan1',
    protocol: 'kernel',
    scope: 'link',
    prefsrc: '100.64.1.2',
    flags: [],
  },
]);

/** What the built-in plugins ask for on this router (fresh objects every call, so tests can change them). */
function desired(): { routes: RouteSpec[]; rules: RuleSpec[] } {
  return {
    routes: [
      {
        table: 1000,
        dst: 'default',
        nexthops: [
          { via: '100.64.1.1', dev: 'wan1', weight: 2 },
          { via: '100.64.9.1', dev: 'wan2', weight: 1, onlink: true },
        ],
      },
      { table: 1001, dst: '100.64.1.0/30', dev: 'wan1', scope: 'link', src: '100.64.1.2' },
      { table: 1001, dst: 'default', via: '100.64.1.1', dev: 'wan1' },
      { table: 1001, dst: '203.0.113.7/32', dev: 'wan1', scope: 'link' },
      { table: 1002, dst: '100.64.2.0/30', dev: 'wan2', scope: 'link', src: '100.64.2.2' },
      { table: 1002, dst: 'default', via: '100.64.9.1', dev: 'wan2', onlink: true },
    ],
    rules: [
      { priority: 1000, table: 254, suppressPrefixLength: 0 },
      { priority: 1001, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
      { priority: 1002, fwmark: 0x200, fwmask: 0xff00, table: 1002 },
      { priority: 1256, from: '100.64.1.2', table: 1001 },
      { priority: 1257, from: '100.64.2.2/32', table: 1002 },
      { priority: 1511, table: 1000 },
    ],
  };
}

const current = () => ({ routes: parseRoutes(ROUTES_JSON, OWN), rules: parseRules(RULES_JSON, OWN) });

describe('ip-read', () => {
  it('keeps only rules with mwan protocol and priority inside mwan range', () => {
    const rules = parseRules(RULES_JSON, OWN);
    assert.deepEqual(
      rules.map((r) => r.priority),
      [1000, 1001, 1002, 1256, 1257, 1511],
    );
  });

  it('reads fwmark/fwmask, from, suppress_prefixlength and table names into the same text as desired rules', () => {
    assert.deepEqual(parseRules(RULES_JSON, OWN).map(ruleArgs), desired().rules.map(ruleArgs));
  });

  it('keeps only routes with mwan protocol in mwan tables (not main, local, or tables outside the range)', () => {
    const routes = parseRoutes(ROUTES_JSON, OWN);
    assert.deepEqual(routes.map(routeIdentity).sort(), [
      '100.64.1.0/30 table 1001',
      '100.64.2.0/30 table 1002',
      '203.0.113.7 table 1001',
      'default table 1000',
      'default table 1001',
      'default table 1002',
    ]);
  });

  it('reads a multipath route with its nexthops, weights and onlink flags, ignoring linkdown', () => {
    const mp = parseRoutes(ROUTES_JSON, OWN).find((r) => r.table === 1000)!;
    assert.equal(
      routeArgs(mp),
      'default table 1000 nexthop via 100.64.1.1 dev wan1 weight 2 nexthop via 100.64.9.1 dev wan2 weight 1 onlink',
    );
  });

  it('treats an empty answer as no state', () => {
    assert.deepEqual(parseRules('', OWN), []);
    assert.deepEqual(parseRoutes('[]', OWN), []);
  });
});

describe('ip-canonical', () => {
  it('writes a /32 destination and source like the kernel reports them', () => {
    assert.equal(
      routeIdentity({ table: 1001, dst: '203.0.113.7/32' }),
      routeIdentity({ table: 1001, dst: '203.0.113.7' }),
    );
    assert.equal(
      ruleArgs({ priority: 1257, from: '100.64.2.2/32', table: 1002 }),
      ruleArgs({ priority: 1257, from: '100.64.2.2', table: 1002 }),
    );
  });

  it('writes a one-nexthop multipath route as the single path the kernel stores', () => {
    const one: RouteSpec = { table: 1000, dst: 'default', nexthops: [{ via: '100.64.1.1', dev: 'wan1', weight: 3 }] };
    assert.equal(routeArgs(one), routeArgs({ table: 1000, dst: 'default', via: '100.64.1.1', dev: 'wan1' }));
  });

  it('gives a device-only route link scope, as the kernel does', () => {
    assert.match(routeArgs({ table: 1003, dst: 'default', dev: 'ppp0' }), /scope link/);
    assert.doesNotMatch(routeArgs({ table: 1003, dst: 'default', via: '10.0.0.1', dev: 'wan3' }), /scope/);
  });

  it('includes the metric in a route identity', () => {
    assert.notEqual(
      routeIdentity({ table: 1001, dst: 'default', metric: 10 }),
      routeIdentity({ table: 1001, dst: 'default' }),
    );
  });
});

describe('diffIp', () => {
  it('produces no lines when the kernel matches (multipath, /32 host forms, onlink and linkdown flags)', () => {
    assert.deepEqual(diffIp(desired(), current(), 249), []);
  });

  it('produces no lines for a one-path multipath route the kernel stored as a plain route', () => {
    const want = {
      routes: [{ table: 1000, dst: 'default', nexthops: [{ via: '100.64.1.1', dev: 'wan1', weight: 5 }] }],
      rules: [],
    };
    const have = {
      routes: parseRoutes(
        JSON.stringify([
          { dst: 'default', gateway: '100.64.1.1', dev: 'wan1', table: '1000', protocol: '249', flags: [] },
        ]),
        OWN,
      ),
      rules: [],
    };
    assert.deepEqual(diffIp(want, have, 249), []);
  });

  it('replaces the multipath route when a nexthop weight changes, with proto before the first nexthop', () => {
    const want = desired();
    want.routes[0].nexthops![1].weight = 3;
    const lines = diffIp(want, current(), 249);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.match(line, /^route replace default table 1000 /);
    assert.match(line, /nexthop via 100\.64\.9\.1 dev wan2 weight 3 onlink/);
    assert.ok(line.indexOf(' proto 249 ') >= 0 && line.indexOf(' proto 249 ') < line.indexOf(' nexthop '), line);
  });

  it('replaces a single-path route whose gateway changed, carrying proto', () => {
    const want = desired();
    want.routes[2].via = '100.64.1.5';
    const lines = diffIp(want, current(), 249);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^route replace default via 100\.64\.1\.5 dev wan1 table 1001\b/);
    assert.match(lines[0], /\bproto 249\b/);
  });

  it('deletes a stale rule with mwan protocol', () => {
    const want = desired();
    want.rules = want.rules.filter((r) => r.priority !== 1002);
    assert.deepEqual(diffIp(want, current(), 249), [
      'rule del priority 1002 fwmark 0x200/0xff00 lookup 1002 protocol 249',
    ]);
  });

  it('deletes a stale route by its identity with mwan protocol', () => {
    const want = desired();
    want.routes = want.routes.filter((r) => r.dst !== '203.0.113.7/32');
    const lines = diffIp(want, current(), 249);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^route del 203\.0\.113\.7 table 1001\b/);
    assert.match(lines[0], /\bproto 249\b/);
  });

  it('adds a missing rule with mwan protocol before deleting the one it replaces', () => {
    const want = desired();
    want.rules = want.rules.map((r) => (r.priority === 1256 ? { ...r, from: '100.64.1.6' } : r));
    const lines = diffIp(want, current(), 249);
    assert.deepEqual(lines, [
      'rule add priority 1256 from 100.64.1.6 lookup 1001 protocol 249',
      'rule del priority 1256 from 100.64.1.2 lookup 1001 protocol 249',
    ]);
  });

  it('matches a rule with the full 0xffffffff fwmask, which `ip -json` omits', () => {
    const want = { routes: [], rules: [{ priority: 1001, fwmark: 0x1, fwmask: 0xffffffff, table: 1001 }] };
    const have = {
      routes: [],
      rules: parseRules(
        JSON.stringify([{ priority: 1001, src: 'all', fwmark: '0x1', table: '1001', protocol: '249' }]),
        OWN,
      ),
    };
    assert.deepEqual(diffIp(want, have, 249), []);
  });

  it('never touches foreign rules or routes', () => {
    const lines = diffIp({ routes: [], rules: [] }, current(), 249);
    for (const foreign of [
      'wg0',
      '10.8.0.0',
      '10.99.0.0',
      '192.168.0',
      'priority 900 ',
      'priority 20000',
      'table 51820',
      'lookup 51820',
    ]) {
      assert.ok(!lines.some((l) => l.includes(foreign)), `${foreign} touched: ${lines.join('\n')}`);
    }
  });

  it('applies everything to an empty kernel', () => {
    const lines = diffIp(desired(), { routes: [], rules: [] }, 249);
    assert.equal(lines.filter((l) => l.startsWith('route replace ')).length, 6);
    assert.equal(lines.filter((l) => l.startsWith('rule add ')).length, 6);
    assert.ok(
      lines.every((l) => /\b(proto|protocol) 249\b/.test(l)),
      lines.join('\n'),
    );
  });
});

describe('removalIpFamilies', () => {
  it('deletes every rule and route mwan owns and nothing else', () => {
    const lines = removalIpFamilies(current(), 249).ip;
    assert.equal(lines.filter((l) => l.startsWith('rule del ')).length, 6);
    assert.equal(lines.filter((l) => l.startsWith('route del ')).length, 6);
    assert.equal(lines.length, 12);
  });

  it('is empty when mwan owns nothing', () => {
    assert.deepEqual(removalIpFamilies({ routes: [], rules: [] }, 249), { ip: [], ip6: [] });
  });
});
