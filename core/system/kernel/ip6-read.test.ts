// Tests the IPv6 rule and route reader on `ip -6 -N -json` output captured from this kernel (iproute2 6.1), and that
// desired specs in any spelling canonicalise to exactly what is read back.
import assert from 'node:assert/strict';
import { routeArgs, ruleArgs } from '../../reconcile/ip-canonical.ts';
import type { RouteSpec, RuleSpec } from '../../reconcile/desired.ts';
import { canonicalRoute6, canonicalRule6, parseRoutes6, parseRules6, readOwnIp6 } from './ip6-read.ts';

const own = {
  routeProtocol: 249,
  priorityRange: [1000, 1999] as [number, number],
  tableRange: [1000, 1999] as [number, number],
};

// `ip -6 -json -N rule show` after mwan-like rules plus a foreign one (priority 1300, no protocol).
const RULES = JSON.stringify([
  { priority: 0, src: 'all', table: '255' },
  { priority: 1001, src: 'all', fwmark: '0x100', fwmask: '0xff00', table: '1001', protocol: '249' },
  { priority: 1101, src: '2001:db8:1::2', table: '1001', protocol: '249' },
  { priority: 1102, src: '2001:db8:1:100::', srclen: 56, table: '1001', protocol: '249' },
  {
    priority: 1200,
    src: 'all',
    fwmark: '0x100',
    fwmask: '0xff00',
    table: '254',
    suppress_prefixlen: 0,
    protocol: '249',
  },
  { priority: 1300, src: '2001:db8:9::', srclen: 48, table: '77' },
  { priority: 32766, src: 'all', table: '254' },
]);

// `ip -6 -json -N route show table all` (link-local and local-table rows left out): mwan's in tables 1001 and 1002,
// a static route in 1001, the kernel's connected routes and an RA default route in main.
const ROUTES = JSON.stringify([
  {
    dst: '2001:db8:1::/64',
    dev: 'w1',
    table: '1001',
    protocol: '249',
    prefsrc: '2001:db8:1::2',
    metric: 1024,
    flags: [],
    pref: 'medium',
  },
  {
    type: '7',
    dst: '2001:db8:1:100::/56',
    dev: 'lo',
    table: '1001',
    protocol: '249',
    metric: 1024,
    flags: [],
    pref: 'medium',
  },
  {
    dst: '2001:db8:7::/48',
    gateway: '2001:db8:1::1',
    dev: 'w1',
    table: '1001',
    protocol: '4',
    metric: 1024,
    flags: [],
    pref: 'medium',
  },
  {
    dst: 'default',
    gateway: 'fe80::1',
    dev: 'w1',
    table: '1001',
    protocol: '249',
    metric: 1024,
    flags: [],
    pref: 'medium',
  },
  {
    dst: '2001:db8:1:5::/64',
    gateway: '2001:db8:1::1',
    dev: 'w1',
    table: '1002',
    protocol: '249',
    metric: 1024,
    flags: ['onlink'],
    pref: 'medium',
  },
  {
    dst: 'default',
    table: '1002',
    protocol: '249',
    metric: 1024,
    flags: [],
    pref: 'medium',
    nexthops: [
      { gateway: 'fe80::1', dev: 'w1', weight: 3, flags: [] },
      { gateway: 'fe80::2', dev: 'w2', weight: 1, flags: [] },
    ],
  },
  { dst: '2001:db8:1::/64', dev: 'w1', protocol: '2', metric: 256, flags: [], pref: 'medium' },
  {
    dst: 'default',
    gateway: 'fe80::9',
    dev: 'w2',
    protocol: '9',
    metric: 1024,
    flags: [],
    expires: 1799,
    pref: 'medium',
  },
]);

/** What plugins would write for that state, spelled loosely on purpose. */
const DESIRED_RULES: RuleSpec[] = [
  { priority: 1001, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
  { priority: 1101, from: '2001:DB8:1:0::2/128', table: 1001 },
  { priority: 1102, from: '2001:db8:1:100:0:0:0:0/56', table: 1001 },
  { priority: 1200, fwmark: 0x100, fwmask: 0xff00, table: 254, suppressPrefixLength: 0 },
];
const DESIRED_ROUTES: RouteSpec[] = [
  { table: 1001, dst: '2001:db8:1:0::/64', dev: 'w1', scope: 'link', src: '2001:db8:1:0:0:0:0:2' },
  { table: 1001, type: 'unreachable', dst: '2001:db8:1:100::/56' },
  { table: 1001, dst: '::/0', via: 'FE80::1', dev: 'w1' },
  { table: 1002, dst: '2001:db8:1:5::/64', via: '2001:db8:1::1', dev: 'w1', onlink: true },
  {
    table: 1002,
    dst: 'default',
    nexthops: [
      { via: 'fe80:0::1', dev: 'w1', weight: 3 },
      { via: 'fe80::2', dev: 'w2' },
    ],
  },
];

describe('IPv6 rules and routes read from the kernel', () => {
  it('keeps only mwan rules, with addresses canonical and a host source without /128', () => {
    assert.deepEqual(parseRules6(RULES, own), [
      { family: 'ipv6', priority: 1001, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
      { family: 'ipv6', priority: 1101, from: '2001:db8:1::2', table: 1001 },
      { family: 'ipv6', priority: 1102, from: '2001:db8:1:100::/56', table: 1001 },
      { family: 'ipv6', priority: 1200, fwmark: 0x100, fwmask: 0xff00, table: 254, suppressPrefixLength: 0 },
    ]);
  });

  it('keeps only mwan routes in its tables: the default metric read as none, no dev on unreachable, multipath kept', () => {
    assert.deepEqual(parseRoutes6(ROUTES, own), [
      { family: 'ipv6', table: 1001, dst: '2001:db8:1::/64', dev: 'w1', src: '2001:db8:1::2' },
      { family: 'ipv6', table: 1001, type: 'unreachable', dst: '2001:db8:1:100::/56' },
      { family: 'ipv6', table: 1001, dst: 'default', via: 'fe80::1', dev: 'w1' },
      { family: 'ipv6', table: 1002, dst: '2001:db8:1:5::/64', via: '2001:db8:1::1', dev: 'w1', onlink: true },
      {
        family: 'ipv6',
        table: 1002,
        dst: 'default',
        nexthops: [
          { via: 'fe80::1', dev: 'w1', weight: 3 },
          { via: 'fe80::2', dev: 'w2', weight: 1 },
        ],
      },
    ]);
  });

  it('desired specs in any spelling canonicalise to exactly what the kernel reports', () => {
    assert.deepEqual(DESIRED_RULES.map(canonicalRule6).map(ruleArgs), parseRules6(RULES, own).map(ruleArgs));
    assert.deepEqual(DESIRED_ROUTES.map(canonicalRoute6), parseRoutes6(ROUTES, own));
    assert.deepEqual(DESIRED_ROUTES.map(canonicalRoute6).map(routeArgs), parseRoutes6(ROUTES, own).map(routeArgs));
  });

  it('a route with a metric of its own keeps it; a single nexthop is a plain path', () => {
    assert.deepEqual(
      canonicalRoute6({ family: 'ipv6', table: 1001, dst: 'default', via: 'fe80::1', dev: 'w1', metric: 10 }),
      {
        family: 'ipv6',
        table: 1001,
        dst: 'default',
        via: 'fe80::1',
        dev: 'w1',
        metric: 10,
      },
    );
    assert.deepEqual(
      canonicalRoute6({
        family: 'ipv6',
        table: 1001,
        dst: 'default',
        nexthops: [{ via: 'FE80::1', dev: 'w1', weight: 2 }],
      }),
      {
        family: 'ipv6',
        table: 1001,
        dst: 'default',
        via: 'fe80::1',
        dev: 'w1',
      },
    );
    assert.throws(
      () => canonicalRoute6({ family: 'ipv6', table: 1001, dst: '10.0.0.0/8', dev: 'w1' }),
      /not an IPv6 address/,
    );
  });

  it('reads both in one ip -6 -batch run and refuses a short answer', async () => {
    const calls: { argv: string[]; input?: string }[] = [];
    const got = await readOwnIp6(async (argv, o) => {
      calls.push({ argv, input: o?.input });
      return { stdout: `${RULES}\n${ROUTES}\n`, stderr: '', exitCode: 0 };
    }, own);
    assert.deepEqual(calls, [
      { argv: ['ip', '-6', '-json', '-N', '-batch', '-'], input: 'rule show\nroute show table all\n' },
    ]);
    assert.equal(got.rules.length, 4);
    assert.equal(got.routes.length, 5);
    await assert.rejects(
      readOwnIp6(async () => ({ stdout: `${RULES}\n`, stderr: '', exitCode: 0 }), own),
      /returned 1 outputs for 2 commands/,
    );
  });
});
