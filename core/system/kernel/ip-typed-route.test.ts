// Tests unreachable and blackhole routes: their canonical text, how `ip -json` reports them, and their place in the ip diff.
import assert from 'node:assert/strict';
import { diffIp } from '../../reconcile/ip-diff.ts';
import { routeArgs, routeIdentity } from './ip-canonical.ts';
import { parseRoutes } from './ip-read.ts';

const OWN = {
  routeProtocol: 249,
  priorityRange: [1000, 1611] as [number, number],
  tableRange: [1000, 1255] as [number, number],
};

describe('typed routes (unreachable, blackhole)', () => {
  const route = { table: 1163, dst: 'default', type: 'unreachable' as const, metric: 4294967295 };

  it('is written with its type, and is a different route from the default via the gateway', () => {
    assert.equal(routeArgs(route), 'unreachable default table 1163 metric 4294967295');
    assert.notEqual(routeIdentity(route), routeIdentity({ table: 1163, dst: 'default' }));
  });

  it('reads back from ip -json as the same route, so a second apply changes nothing', () => {
    const json = JSON.stringify([
      { type: 'unreachable', dst: 'default', table: '1163', protocol: '249', metric: 4294967295, flags: [] },
    ]);
    const read = parseRoutes(json, OWN);
    assert.deepEqual(read.map(routeArgs), [routeArgs(route)]);
    assert.deepEqual(diffIp({ routes: [route], rules: [] }, { routes: read, rules: [] }, 249), []);
  });

  it('is added with replace and removed by identity', () => {
    assert.deepEqual(diffIp({ routes: [route], rules: [] }, { routes: [], rules: [] }, 249), [
      'route replace unreachable default table 1163 metric 4294967295 proto 249',
    ]);
    assert.deepEqual(diffIp({ routes: [], rules: [] }, { routes: [route], rules: [] }, 249), [
      'route del default table 1163 metric 4294967295 proto 249',
    ]);
  });
});
