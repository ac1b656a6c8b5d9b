// Tests the table ownership check: another tool's routes in mwan's table range are found (numeric `ip -N` output) and named in the refusal.
import assert from 'node:assert/strict';
import { assertTablesOwned, parseForeignRoutes } from './table-ownership.ts';

const OWN = { routeProtocol: 249, tableRange: [1000, 1255] as [number, number] };

describe("tables in mwan's range hold only mwan's routes", () => {
  const json = JSON.stringify([
    { dst: 'default', gateway: '100.64.1.1', dev: 'wan1', table: '1001', protocol: '249', flags: [] },
    { type: '7', dst: 'default', table: '1001', protocol: '249', metric: 4294967295, flags: [] },
    { dst: '192.0.2.0/24', gateway: '100.64.2.1', dev: 'wan2', table: '1163', protocol: '4', flags: [] },
    { type: '6', dst: '198.51.100.0/24', table: '1200', flags: [] },
    { dst: 'default', gateway: '100.64.3.1', dev: 'wan3', table: '254', protocol: '16', flags: [] },
    { dst: 'default', gateway: '100.64.3.1', dev: 'wan3', table: '999', protocol: '3', flags: [] },
  ]);

  it('finds routes of other protocols inside the range only', () => {
    const found = parseForeignRoutes(json, OWN);
    assert.deepEqual(
      found.map((f) => [f.table, f.protocol]),
      [
        [1163, 4],
        [1200, 3],
      ],
    );
    assert.equal(found[0].text, '192.0.2.0/24 via 100.64.2.1 dev wan2 table 1163 proto 4');
  });

  it('refuses naming the table and the route', () => {
    assert.throws(
      () => assertTablesOwned(parseForeignRoutes(json, OWN), OWN),
      (e: Error) =>
        e.message.startsWith(
          'kernel.tableBase: routing table 1163 (mwan\'s tables are 1000-1255) holds a route mwan did not make: "192.0.2.0/24 via 100.64.2.1 dev wan2 table 1163 proto 4" (and 1 more, in tables 1163, 1200)',
        ),
    );
  });

  it("accepts mwan's own routes and an empty range", () => {
    assertTablesOwned(
      parseForeignRoutes(JSON.stringify([{ dst: 'default', dev: 'wan1', table: '1001', protocol: '249' }]), OWN),
      OWN,
    );
    assertTablesOwned([], OWN);
  });
});
