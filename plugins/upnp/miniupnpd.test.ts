// Tests the miniupnpd instance as data: config file, bookkeeping table, process spec, device UUID, log line levels.
import assert from 'node:assert/strict';
import { parseUpnpOptions } from './options.ts';
import {
  classifyLine,
  deviceUuid,
  planInstance,
  processSpec,
  renderConfig,
  renderNftInit,
  renderNftRemove,
  upnpPaths,
  upnpTable,
} from './miniupnpd.ts';
import { loadedWith, worldOf } from './testing.ts';

const paths = upnpPaths('/run/mwan');
const ISP2 = { name: 'isp2', device: 'wan2' };

function plan(options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const loaded = loadedWith(extra);
  const world = worldOf(loaded);
  return planInstance(world, parseUpnpOptions({ enabled: true, ...options }, loaded.config), ISP2, paths);
}

describe('miniupnpd instance', () => {
  it("keeps its files under the state directory and its table beside mwan's", () => {
    assert.deepEqual(paths, {
      dir: '/run/mwan/upnp',
      config: '/run/mwan/upnp/miniupnpd.conf',
      leases: '/run/mwan/upnp/miniupnpd.leases',
      accepted: '/run/mwan/upnp/accepted.leases',
      pid: '/run/mwan/upnp/miniupnpd.pid',
      nftInit: '/run/mwan/upnp/nft-init.nft',
      nftRemove: '/run/mwan/upnp/nft-remove.nft',
    });
    assert.equal(upnpTable(worldOf(loadedWith())), 'mwan_upnp');
    assert.equal(upnpTable(worldOf(loadedWith({ kernel: { nftTable: 'edge' } }))), 'edge_upnp');
  });

  it('renders the config: served WAN, STUN, LAN, its table, the lease file; LAN networks may map ports from minPort', () => {
    const p = plan({ stun: { host: '192.0.2.10' } });
    assert.equal(
      renderConfig(p),
      [
        "# Written by mwan's upnp plugin for WAN isp2; rewritten on every start.",
        'ext_ifname=wan2',
        'ext_perform_stun=yes',
        'ext_stun_host=192.0.2.10',
        'ext_stun_port=3478',
        'listening_ip=lan0',
        'http_port=5000',
        'ipv6_disable=yes',
        'enable_upnp=yes',
        'enable_natpmp=yes',
        'secure_mode=yes',
        'system_uptime=yes',
        `uuid=${deviceUuid('mwan_upnp', 'lan0')}`,
        'lease_file=/run/mwan/upnp/miniupnpd.leases',
        'upnp_table_name=mwan_upnp',
        'upnp_nat_table_name=mwan_upnp',
        'upnp_forward_chain=miniupnpd',
        'upnp_nat_chain=prerouting_miniupnpd',
        'upnp_nat_postrouting_chain=postrouting_miniupnpd',
        '# Permission rules, first match wins: ports of static forwards are taken; LAN hosts may map ports from minPort.',
        'allow 1024-65535 10.0.0.0/24 1024-65535',
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
  });

  it("a static public address for the served WAN wins over STUN; without either, miniupnpd uses the WAN's own address", () => {
    const withExt = renderConfig(
      plan({
        stun: { host: '192.0.2.10' },
        externalAddresses: { isp2: '8.8.4.5' },
        natPmp: false,
        secureMode: false,
        minPort: 2000,
        lanDevice: 'lan1',
      }),
    );
    assert.match(withExt, /^ext_ip=8\.8\.4\.5$/m);
    assert.doesNotMatch(withExt, /stun/);
    assert.match(withExt, /^enable_natpmp=no\nsecure_mode=no$/m);
    assert.match(withExt, /^listening_ip=lan1$/m);
    assert.match(withExt, /^allow 2000-65535 10\.1\.0\.0\/24 2000-65535$/m);
    const plain = renderConfig(plan());
    assert.doesNotMatch(plain, /ext_ip|stun/);
  });

  it('ports of static forwards on UPnP WANs cannot be mapped', () => {
    const forwards = [
      { port: 80, to: '10.0.0.5' },
      { port: '6000-6010', proto: 'udp', to: '10.0.0.7', wans: ['isp3'] },
      { port: 22, to: '10.0.0.9', wans: ['isp1'] },
    ];
    const text = renderConfig(plan({ wans: ['isp2', 'isp3'] }, { forwards }));
    assert.match(text, /^deny 80 0\.0\.0\.0\/0 0-65535\ndeny 6000-6010 0\.0\.0\.0\/0 0-65535\nallow 1024-65535/m);
    assert.doesNotMatch(text, /deny 22 /);
  });

  it('recreates its table empty before each start, without hooks; removes it after stop; both idempotent', () => {
    assert.equal(
      renderNftInit('mwan_upnp'),
      [
        'table inet mwan_upnp {}',
        'delete table inet mwan_upnp',
        'table inet mwan_upnp {',
        ...['miniupnpd', 'prerouting_miniupnpd', 'postrouting_miniupnpd'].map(
          (c) =>
            `  chain ${c} {\n    comment "miniupnpd bookkeeping only (no hook); mwan forwards the mappings in its own table"\n  }`,
        ),
        '}',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(renderNftInit('mwan_upnp'), /type \w+ hook/);
    assert.equal(renderNftRemove('mwan_upnp'), 'table inet mwan_upnp {}\ndelete table inet mwan_upnp\n');
  });

  it('runs miniupnpd in the foreground with its config and pid file; files and nft scripts around it', () => {
    const spec = processSpec(plan());
    assert.deepEqual(spec.argv, [
      '/usr/sbin/miniupnpd',
      '-d',
      '-f',
      '/run/mwan/upnp/miniupnpd.conf',
      '-P',
      '/run/mwan/upnp/miniupnpd.pid',
    ]);
    assert.deepEqual(
      spec.files?.map((f) => f.path),
      ['/run/mwan/upnp/miniupnpd.conf', '/run/mwan/upnp/nft-init.nft', '/run/mwan/upnp/nft-remove.nft'],
    );
    assert.deepEqual(
      spec.before,
      [
        ['nft', '-f', '/run/mwan/upnp/nft-init.nft'],
        ['cp', '--remove-destination', '/run/mwan/upnp/accepted.leases', '/run/mwan/upnp/miniupnpd.leases'],
      ],
      'miniupnpd gets back only the leases mwan accepted',
    );
    assert.deepEqual(spec.after, [['nft', '-f', '/run/mwan/upnp/nft-remove.nft']]);
  });

  it('derives a stable RFC 4122 UUID from the table and LAN device', () => {
    const a = deviceUuid('mwan_upnp', 'lan0');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(deviceUuid('mwan_upnp', 'lan0'), a);
    assert.notEqual(deviceUuid('mwan_upnp', 'lan1'), a);
  });

  it("logs miniupnpd's debug chatter at debug, its milestones at info, its complaints at warn; knows when it is up", () => {
    assert.deepEqual(classifyLine('miniupnpd[22917]: HTTP listening on port 5000'), {
      level: 'info',
      text: 'HTTP listening on port 5000',
      ready: true,
    });
    assert.deepEqual(classifyLine('miniupnpd[1]: Port forwarding is now enabled'), {
      level: 'info',
      text: 'Port forwarding is now enabled',
      ready: false,
    });
    assert.equal(
      classifyLine(
        'miniupnpd[1]: Reserved / private IP address 100.64.1.2 on ext interface wan1: Port forwarding is impossible',
      ).level,
      'warn',
    );
    assert.equal(classifyLine('miniupnpd[1]: Performing STUN failed. EXITING').level, 'warn');
    assert.equal(classifyLine('miniupnpd[1]: table_cb(0x7ff, 0x7ff) mwan_upnp miniupnpd 2').level, 'debug');
    assert.equal(classifyLine('miniupnpd[1]: Returning UPnPError 713: SpecifiedArrayIndexInvalid').level, 'debug');
    assert.equal(
      classifyLine('miniupnpd[1]: could not open lease file: /run/mwan/upnp/miniupnpd.leases').level,
      'debug',
    );
  });
});
