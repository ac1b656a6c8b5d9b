// Single-address uplinks: validation (each problem names its field), keepalived's VMAC instance, SNAT, the role follower.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { EventBus } from '../../core/bus.ts';
import type { PluginContext, ProcessSpec } from '../../plugin-api/index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';
import { createHa } from './index.ts';
import { haPaths, renderConntrackd, renderKeepalived, type NodePlan } from './render.ts';
import { uplinkRouterIds } from './uplink-options.ts';
import { Uplinks } from './uplink.ts';

const base = (uplinks: Record<string, unknown>, wans: Record<string, string> = { isp1: '100.64.1.10' }) => ({
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1' },
    { name: 'modem', device: 'vmac2', gateway: '192.168.1.1' },
  ],
  ha: {
    nodes: [
      { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
      { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
    ],
    syncDevice: 'sync0',
    lan: { lan0: '10.77.0.1' },
    wans,
    uplinks,
  },
});
const good = { modem: { link: 'wan2', address: '192.168.1.10/24' } };

const refused = (uplinks: Record<string, unknown>, field: RegExp, wans?: Record<string, string>) =>
  assert.throws(
    () => parseConfig(base(uplinks, wans)),
    (e: Error) => field.test(e.message),
    `expected ${field}`,
  );

function plan(uplinks: Record<string, unknown> = good): NodePlan {
  const ha = parseConfig(base(uplinks)).config.ha!;
  return {
    ha,
    self: ha.nodes[0],
    peer: ha.nodes[1],
    paths: haPaths('/var/lib/mwan'),
    lanDevices: ['lan0'],
    wanDevices: { isp1: 'wan1', modem: 'vmac2' },
    mwanctl: ['/usr/bin/mwanctl'],
    controlSocket: '/run/mwan/mwan.sock',
  };
}

describe('ha single-address uplinks (ha.uplinks)', () => {
  it('accepts a WAN that is an uplink instead of a shared-subnet address; ids default above virtualRouterId', () => {
    const ha = parseConfig(base({ ...good, isp1: { link: 'eth9', client: ['/sbin/udhcpc', '-f'] } }, {})).config.ha!;
    assert.equal(ha.uplinks?.modem?.address, '192.168.1.10/24');
    assert.deepEqual(uplinkRouterIds(ha), { modem: 52, isp1: 53 });
    assert.deepEqual(
      uplinkRouterIds({ virtualRouterId: 51, uplinks: { a: { link: 'x', virtualRouterId: 52 }, b: { link: 'y' } } }),
      { a: 52, b: 53 },
    );
  });

  it('refuses bad uplinks, naming the field', () => {
    refused({ modem: { link: 'wan2' } }, /ha\.uplinks\.modem: .*expected address .*client/);
    refused({ modem: { link: 'wan2', address: '192.168.1.10' } }, /ha\.uplinks\.modem\.address: .*with its prefix/);
    refused({ modem: { link: 'wan2', address: '192.168.1.0/24' } }, /ha\.uplinks\.modem\.address: .*network address/);
    refused({ modem: { link: 'wan2', address: '192.168.1.1/24' } }, /ha\.uplinks\.modem\.address: .*the WAN's gateway/);
    refused({ modem: { link: 'wan2', client: ['udhcpc'] } }, /ha\.uplinks\.modem\.client: .*absolute path/);
    refused({ modem: { link: 'wan2', client: ['/sbin/udhcpc', ''] } }, /ha\.uplinks\.modem\.client\[1\]: .*non-empty/);
    refused({ modem: { link: 'vmac2', address: '192.168.1.10/24' } }, /ha\.uplinks\.modem\.link: .*wans\[\]\.device/);
    refused({ modem: { link: 'lan0', address: '192.168.1.10/24' } }, /ha\.uplinks\.modem\.link: .*LAN, WAN or sync/);
    refused({ modem: { link: 'wan2/x', address: '192.168.1.10/24' } }, /ha\.uplinks\.modem\.link: .*interface name/);
    refused(
      { modem: { ...good.modem, virtualRouterId: 51 } },
      /ha\.uplinks\.modem\.virtualRouterId: .*ha\.virtualRouterId/,
    );
    refused({ modem: { ...good.modem, extra: 1 } }, /ha\.uplinks\.modem: .*extra/);
    refused({ ...good, isp3: { link: 'wan3', address: '192.168.3.10/24' } }, /ha\.uplinks\.isp3: .*no WAN is named so/);
    refused(good, /ha\.uplinks\.modem: .*also in ha\.wans/, { isp1: '100.64.1.10', modem: '100.64.2.10' });
    refused({}, /ha\.wans: .*WAN modem has no virtual address .*ha\.uplinks/);
    refused({ modem: { link: 'wan2', address: '10.77.0.1/24' } }, /virtual address 10\.77\.0\.1 is used twice/);
  });

  it('keepalived: a VMAC instance per uplink on its link, in a sync group with the LAN instance', () => {
    const text = renderKeepalived(plan());
    for (const line of [
      'vrrp_sync_group mwan_pair {',
      '    mwan_modem',
      'vrrp_instance mwan_modem {',
      '  interface wan2',
      '  use_vmac vmac2',
      '  vmac_xmit_base',
      '  dont_track_primary',
      '  unicast_src_ip 10.99.0.1',
      '  virtual_router_id 52',
      '  priority 150',
      '    192.168.1.10/24',
    ])
      assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
    // The notify scripts stay on the LAN instance: one notification per role change.
    assert.equal(text.match(/notify_master/g)?.length, 1);
    assert.match(renderConntrackd(plan()), /IPv4_address 192\.168\.1\.10\n/);
    // Without uplinks: no sync group (the single-instance configuration as before).
    const plain = renderKeepalived({ ...plan(), ha: { ...plan().ha, uplinks: undefined } });
    assert.doesNotMatch(plain, /vrrp_sync_group|use_vmac/);
    // A client-only uplink: an instance without an address (the client sets it).
    const dhcp = renderKeepalived(plan({ modem: { link: 'wan2', client: ['/sbin/udhcpc'] } }));
    assert.match(
      dhcp,
      /vrrp_instance mwan_modem \{[^}]*virtual_ipaddress \{\n {4}169\.254\.52\.1\/32 dev lo scope host\n {2}\}/,
    );
  });

  it('SNATs LAN traffic to a fixed uplink address; none for a client-only uplink (the masquerade takes it)', () => {
    const network = {
      links: [link('lan0', '10.77.0.2', 24), link('wan1', '100.64.1.2', 24), link('vmac2', '192.168.1.10', 24)],
      defaults: [],
    };
    const rules = (uplinks: Record<string, unknown>) =>
      contributionOf(createHa(), worldFrom(base(uplinks), network)).nft.chains.find((c) => c.name === 'ha_snat')?.rules;
    assert.deepEqual(rules(good), [
      'iifname { "lan0" } oifname "wan1" snat ip to 100.64.1.10',
      'iifname { "lan0" } oifname "vmac2" snat ip to 192.168.1.10',
    ]);
    assert.deepEqual(rules({ modem: { link: 'wan2', client: ['/sbin/udhcpc'] } }), [
      'iifname { "lan0" } oifname "wan1" snat ip to 100.64.1.10',
    ]);
  });

  it('follows the role: held by the peer unless master; the client runs on the master only; a dropped address is held at once', async () => {
    const bus = new EventBus();
    const held: [string, boolean][] = [];
    const started: ProcessSpec[] = [];
    let stopped = 0;
    const log = { info() {}, warn() {}, debug() {}, error() {} };
    const supervise = (spec: ProcessSpec) => {
      started.push(spec);
      return { name: spec.name, pid: 42, starts: 1, stop: async () => void stopped++ };
    };
    const ctx = {
      bus,
      log,
      system: { supervise },
      setHeldByPeer: (wan: string, h: boolean) => held.push([wan, h]),
    } as unknown as PluginContext;
    const client = ['/sbin/udhcpc', '-f', '-i', 'vmac2'];
    const ups = new Uplinks(ctx, {
      modem: { link: 'wan2', client, device: 'vmac2' },
      fixed: { link: 'wan3', address: '192.168.3.10/24', device: 'vmac3' },
    });
    ups.start();
    assert.deepEqual(
      held,
      [
        ['modem', true],
        ['fixed', true],
      ],
      'held until this node is master',
    );
    held.length = 0;
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'master', previous: 'backup' });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(held, [
      ['modem', false],
      ['fixed', false],
    ]);
    assert.deepEqual(
      started.map((s) => [s.name, s.argv, s.after]),
      [['uplink-modem', client, [['ip', '-4', 'addr', 'flush', 'dev', 'vmac2']]]],
      'the address the client set goes when it stops',
    );
    assert.deepEqual(ups.report(), [
      { wan: 'modem', client: { running: true, pid: 42, starts: 1 } },
      { wan: 'fixed', client: null },
    ]);
    held.length = 0;
    // keepalived takes the fixed address off before its notify: held at once (no link-down in between).
    bus.emit('addr.changed', { device: 'vmac3', addresses: [] });
    bus.emit('addr.changed', { device: 'vmac2', addresses: [] }); // a client's lease: not keepalived's, no inference
    assert.deepEqual(held, [['fixed', true]]);
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'fault', previous: 'master' });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(stopped, 1, 'the client stopped when the node left master');
    assert.equal(ups.report()[0]?.client?.running, false);
    await ups.stop();
    assert.equal(stopped, 1);
  });
});
