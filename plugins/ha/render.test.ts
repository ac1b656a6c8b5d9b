// keepalived.conf, conntrackd.conf and the notify script rendered for one node.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { haPaths, renderConntrackd, renderKeepalived, renderNotify, shellQuote, type NodePlan } from './render.ts';
import { parseConntrackdStats } from './stats.ts';

function plan(extra: Record<string, unknown> = {}, lans = ['lan0']): NodePlan {
  const { config } = parseConfig({
    lan: lans.map((device) => ({ device })),
    wans: [{ name: 'isp1', device: 'wan1', gateway: '100.64.1.1' }],
    ha: {
      nodes: [
        { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
        { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
      ],
      syncDevice: 'sync0',
      lan: Object.fromEntries(lans.map((d, i) => [d, `10.7${7 + i}.0.1`])),
      wans: { isp1: '100.64.1.10' },
      ...extra,
    },
  });
  const ha = config.ha!;
  return {
    ha,
    self: ha.nodes[0],
    peer: ha.nodes[1],
    paths: haPaths('/var/lib/mwan'),
    lanDevices: lans,
    wanDevices: { isp1: 'wan1' },
    mwanctl: ['/usr/bin/node', "/opt/it's/mwanctl.js"],
    controlSocket: '/run/mwan/mwan.sock',
  };
}

describe('ha rendering', () => {
  it('keepalived: one VRRPv3 instance on the first LAN carrying every virtual address as /32, nopreempt, notify per role', () => {
    const text = renderKeepalived(plan());
    for (const line of [
      'vrrp_version 3',
      'state BACKUP',
      'interface lan0',
      'virtual_router_id 51',
      'priority 150',
      'advert_int 0.1',
      'nopreempt',
      '10.77.0.1/32 dev lan0',
      '100.64.1.10/32 dev wan1',
      'notify_master "/var/lib/mwan/ha/notify.sh master"',
      'notify_backup "/var/lib/mwan/ha/notify.sh backup"',
      'notify_fault "/var/lib/mwan/ha/notify.sh fault"',
      'enable_script_security',
    ])
      assert.ok(text.includes(line), `missing ${line}`);
    assert.ok(!text.includes('track_interface'));
    assert.ok(!renderKeepalived(plan({ nopreempt: false })).includes('nopreempt'));
  });

  it('keepalived: the other LANs are tracked (losing one is a fault)', () => {
    const text = renderKeepalived(plan({}, ['lan0', 'lan1']));
    assert.match(text, /track_interface \{\n\s+lan1\n\s+\}/);
    assert.ok(text.includes('10.78.0.1/32 dev lan1'));
  });

  it("conntrackd: FTFW over UDP from this node to the peer on the sync device; the routers' own addresses ignored", () => {
    const text = renderConntrackd(plan());
    for (const line of [
      'Mode FTFW',
      'IPv4_address 10.99.0.1',
      'IPv4_Destination_Address 10.99.0.2',
      'Port 3780',
      'Interface sync0',
      'LockFile /var/lib/mwan/ha/conntrackd.lock',
      'UNIX { Path /var/lib/mwan/ha/conntrackd.ctl }',
      'IPv4_address 10.77.0.1',
      'IPv4_address 100.64.1.10',
    ])
      assert.ok(text.includes(line), `missing ${line}`);
  });

  it('the notify script: conntrackd steps per role, then mwanctl ha with every path quoted', () => {
    const text = renderNotify(plan());
    const ctd = "'/usr/sbin/conntrackd' -C '/var/lib/mwan/ha/conntrackd.conf'";
    assert.ok(text.includes(`master) ${ctd} -c; ${ctd} -f internal; ${ctd} -R; ${ctd} -B ;;`));
    assert.ok(text.includes(`backup) ${ctd} -n ;;`));
    assert.ok(
      text.includes(
        `exec '/usr/bin/node' '/opt/it'\\''s/mwanctl.js' ha "$1" --at "$at" --socket '/run/mwan/mwan.sock'`,
      ),
    );
    assert.ok(text.includes('*) echo'), 'an unknown role exits 2');
    assert.equal(shellQuote("a'b"), "'a'\\''b'");
  });

  it('reads conntrackd -s', () => {
    const out = `cache internal:
current active connections:\t          21
connections created:\t\t          40\tfailed:\t           0

cache external:
current active connections:\t           3
connections created:\t\t           3\tfailed:\t           0

UDP traffic (active device=sync0):
                 120 Bytes sent                   48 Bytes recv
                  10 Pckts sent                    4 Pckts recv
                   0 Error send                    1 Error recv

message tracking:
                   0 Malformed msgs                    2 Lost msgs
`;
    assert.deepEqual(parseConntrackdStats(out), {
      internal: 21,
      external: 3,
      sentPackets: 10,
      receivedPackets: 4,
      sendErrors: 0,
      receiveErrors: 1,
      lostMessages: 2,
    });
    assert.equal(parseConntrackdStats('connect: no such file'), null);
  });
});
