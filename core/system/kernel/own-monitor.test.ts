// Tests the monitor parsers on lines `ip -N monitor` and `nft monitor` (nft 1.0.6, iproute2 6.1) print: mwan's own objects only.
import assert from 'node:assert/strict';
import { parseMonitorLine, parseOwnIpLine } from './monitor-parse.ts';
import { parseNftMonitorLine } from './nft-monitor.ts';

const own = {
  routeProtocol: 249,
  priorityRange: [1000, 1700] as [number, number],
  tableRange: [1000, 1064] as [number, number],
  nftTable: 'mwan',
};

describe("monitor parsers: mwan's own state", () => {
  it("ip rules: mwan's priority range and protocol only; link and address lines are not rules", () => {
    assert.deepEqual(parseOwnIpLine('Deleted 1611:\tfrom all lookup 1000 proto 249', own), {
      kind: 'rule',
      deleted: true,
      what: 'ip rule 1611 deleted (from all lookup 1000)',
    });
    assert.equal(parseOwnIpLine('1611:\tfrom all lookup 1000 proto 249', own)?.deleted, false);
    assert.equal(parseOwnIpLine('Deleted 500:\tfrom 10.99.0.0/16 lookup 77', own), undefined);
    assert.equal(
      parseOwnIpLine('Deleted 1200:\tfrom 10.98.0.0/16 lookup 78 proto 3', own),
      undefined,
      "another tool's rule inside the range",
    );
    assert.equal(
      parseOwnIpLine('3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group 0 ', own),
      undefined,
    );
    assert.equal(parseOwnIpLine('3: v0    inet 100.64.1.2/30 scope 0 v0', own), undefined);
  });

  it("routes: a table in mwan's range with its protocol, numeric (-N) output", () => {
    const r = parseOwnIpLine('Deleted default via 100.64.1.1 dev wan1 table 1001 proto 249 ', own);
    assert.deepEqual(r, {
      kind: 'route',
      deleted: true,
      what: 'ip route deleted (default via 100.64.1.1 dev wan1 table 1001 proto 249)',
    });
    assert.equal(parseOwnIpLine('7 default table 1002 proto 249 ', own)?.kind, 'route');
    assert.equal(parseOwnIpLine('default via 10.1.0.2 dev v0 table 100 proto 77 ', own), undefined);
    assert.equal(
      parseOwnIpLine('Deleted 10.98.0.0/16 via 10.77.0.2 dev lan0 table 1000 proto 3 ', own),
      undefined,
      "another tool's route in mwan's table",
    );
    assert.equal(
      parseOwnIpLine('100.64.1.0/30 dev v0 proto 2 scope 253 src 100.64.1.2 ', own),
      undefined,
      'main table',
    );
  });

  it('link lines still give link hints', () => {
    assert.deepEqual(
      parseMonitorLine(
        '3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group 0 ',
      ),
      { name: 'v0', adminUp: true, carrier: false, deleted: false },
    );
  });

  it("nft: mwan's table, chains and rules; run-time set elements and other tables are left out", () => {
    assert.deepEqual(parseNftMonitorLine('delete table inet mwan', 'mwan'), {
      kind: 'nft',
      deleted: true,
      what: 'nft table inet mwan deleted',
    });
    assert.deepEqual(parseNftMonitorLine('delete rule inet mwan fw_input handle 47', 'mwan'), {
      kind: 'nft',
      deleted: true,
      what: 'a rule of nft chain inet mwan fw_input (handle 47) deleted',
    });
    assert.equal(
      parseNftMonitorLine('delete chain inet mwan balance', 'mwan')?.what,
      'nft chain inet mwan balance deleted',
    );
    assert.equal(
      parseNftMonitorLine('add rule inet mwan pre meta mark 0x00000001 counter packets 0 bytes 0', 'mwan')?.deleted,
      false,
    );
    assert.equal(parseNftMonitorLine('add element inet mwan sticky { 10.77.0.2 timeout 10m }', 'mwan'), undefined);
    assert.equal(parseNftMonitorLine('delete table inet mwanx', 'mwan'), undefined);
    assert.equal(parseNftMonitorLine('delete table inet foreign', 'mwan'), undefined);
    assert.equal(parseNftMonitorLine('# new generation 6 by process 8030 (nft)', 'mwan'), undefined);
  });

  it('nft: deletions that may have taken the NFQUEUE rules (iptables-nft nat table)', () => {
    assert.equal(parseNftMonitorLine('delete table ip nat', 'mwan')?.kind, 'nfqueue');
    assert.equal(
      parseNftMonitorLine('delete chain ip nat MWAN_NFQ', 'mwan')?.what,
      'iptables nat chain MWAN_NFQ deleted',
    );
    assert.equal(parseNftMonitorLine('delete rule ip nat PREROUTING handle 3', 'mwan')?.kind, 'nfqueue');
    assert.equal(parseNftMonitorLine('add rule ip nat PREROUTING counter', 'mwan'), undefined);
    assert.equal(parseNftMonitorLine('delete rule ip nat DOCKER handle 9', 'mwan'), undefined);
  });
});
