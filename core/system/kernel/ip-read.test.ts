// Tests reading routes and rules from `ip -N -json` (numbers): named tables and protocols in rt_tables/rt_protos change nothing.
import assert from 'node:assert/strict';
import { routeArgs, ruleArgs } from './ip-canonical.ts';
import { diffIp } from '../../reconcile/ip-diff.ts';
import { parseRoutes, parseRules } from './ip-read.ts';

const OWN = {
  routeProtocol: 249,
  priorityRange: [1000, 1611] as [number, number],
  tableRange: [1000, 1255] as [number, number],
};

describe('ip -N -json output is read numerically', () => {
  it('reads typed routes, scopes and tables as numbers', () => {
    const json = JSON.stringify([
      { type: '7', dst: 'default', table: '1163', protocol: '249', metric: 4294967295, flags: [] },
      {
        dst: '100.64.1.0/30',
        dev: 'wan1',
        table: '1001',
        protocol: '249',
        scope: '253',
        prefsrc: '100.64.1.2',
        flags: [],
      },
      { dst: 'default', gateway: '100.64.1.1', dev: 'wan1', table: '1001', protocol: '249', flags: [] },
    ]);
    assert.deepEqual(parseRoutes(json, OWN).map(routeArgs), [
      'unreachable default table 1163 metric 4294967295',
      '100.64.1.0/30 dev wan1 table 1001 scope link src 100.64.1.2',
      'default via 100.64.1.1 dev wan1 table 1001',
    ]);
  });

  it('the same state read with -N and with names plans nothing in both cases', () => {
    const desired = [
      { table: 1001, dst: '100.64.1.0/30', dev: 'wan1', scope: 'link' as const, src: '100.64.1.2' },
      { table: 1163, dst: 'default', type: 'unreachable' as const, metric: 4294967295 },
    ];
    const numeric = parseRoutes(
      JSON.stringify([
        { dst: '100.64.1.0/30', dev: 'wan1', table: '1001', protocol: '249', scope: '253', prefsrc: '100.64.1.2' },
        { type: '7', dst: 'default', table: '1163', protocol: '249', metric: 4294967295 },
      ]),
      OWN,
    );
    const named = parseRoutes(
      JSON.stringify([
        { dst: '100.64.1.0/30', dev: 'wan1', table: '1001', protocol: '249', scope: 'link', prefsrc: '100.64.1.2' },
        { type: 'unreachable', dst: 'default', table: '1163', protocol: '249', metric: 4294967295 },
      ]),
      OWN,
    );
    assert.deepEqual(diffIp({ routes: desired, rules: [] }, { routes: numeric, rules: [] }, 249), []);
    assert.deepEqual(diffIp({ routes: desired, rules: [] }, { routes: named, rules: [] }, 249), []);
  });

  it('reads rules with numeric tables and protocol', () => {
    const json = JSON.stringify([
      { priority: 0, src: 'all', table: '255' },
      { priority: 1101, src: 'all', fwmark: '0x100', fwmask: '0xff00', table: '1001', protocol: '249' },
      { priority: 1102, src: 'all', table: '1002', protocol: '186' },
    ]);
    assert.deepEqual(parseRules(json, OWN).map(ruleArgs), ['priority 1101 fwmark 0x100/0xff00 lookup 1001']);
  });
});
