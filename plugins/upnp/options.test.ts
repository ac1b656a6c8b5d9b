// Tests the upnp options: defaults, and errors that name the field (plugins.upnp.<field>) for bad values and unknown names.
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';
import { isReservedIPv4 } from './reserved.ts';
import { parseUpnpOptions } from './options.ts';
import { loadedWith } from './testing.ts';

const { config } = loadedWith();

function rejects(options: unknown, ...patterns: RegExp[]) {
  assert.throws(
    () => parseUpnpOptions(options, config),
    (e: unknown) => {
      assert.ok(e instanceof MwanError, String(e));
      assert.equal(e.code, 'MWAN_CONFIG_INVALID');
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

describe('upnp options', () => {
  it('is off by default; on, it serves the first LAN, uses every WAN, NAT-PMP and secure mode on, ports from 1024', () => {
    assert.equal(parseUpnpOptions(undefined, config).enabled, false);
    const o = parseUpnpOptions({ enabled: true }, config);
    assert.deepEqual(o, {
      enabled: true,
      lanDevice: 'lan0',
      wans: ['isp1', 'isp2', 'isp3'],
      externalAddresses: {},
      natPmp: true,
      secureMode: true,
      minPort: 1024,
      maxPerClient: 32,
      maxMappings: 256,
      httpPort: 5000,
      binary: '/usr/sbin/miniupnpd',
    });
  });

  it('takes a LAN device, a subset of WANs, a STUN server (port 3478 by default) and public addresses per WAN', () => {
    const o = parseUpnpOptions(
      {
        enabled: true,
        lanDevice: 'lan1',
        wans: ['isp3', 'isp1'],
        stun: { host: 'stun.example.net' },
        externalAddresses: { isp1: '8.8.4.5' },
      },
      config,
    );
    assert.equal(o.lanDevice, 'lan1');
    assert.deepEqual(o.wans, ['isp3', 'isp1']);
    assert.deepEqual(o.stun, { host: 'stun.example.net', port: 3478 });
    assert.deepEqual(o.externalAddresses, { isp1: '8.8.4.5' });
  });

  it('names unknown fields and bad values', () => {
    rejects({ enable: true }, /plugins\.upnp: unknown field "enable"/);
    rejects({ enabled: 'yes' }, /plugins\.upnp\.enabled: got "yes"/);
    rejects({ minPort: 0 }, /plugins\.upnp\.minPort: got 0/);
    rejects(
      { stun: { host: 'stun example' } },
      /plugins\.upnp\.stun\.host: got "stun example"; expected an IPv4 address or a host name/,
    );
    rejects({ stun: { host: '192.0.2.1', port: 70000 } }, /plugins\.upnp\.stun\.port: got 70000/);
    rejects({ binary: 'miniupnpd' }, /plugins\.upnp\.binary: got "miniupnpd"; expected an absolute path/);
    rejects({ wans: [] }, /plugins\.upnp\.wans: got \[\]; expected at least one WAN name/);
  });

  it('names WANs and LAN devices that do not exist', () => {
    rejects(
      { wans: ['isp1', 'isp9'] },
      /plugins\.upnp\.wans\[1\]: got "isp9"; no WAN is named so; WANs: isp1, isp2, isp3/,
    );
    rejects({ wans: ['isp1', 'isp1'] }, /plugins\.upnp\.wans\[1\]: got "isp1"; listed twice/);
    rejects(
      { lanDevice: 'eth9' },
      /plugins\.upnp\.lanDevice: got "eth9"; expected one of the lan\[\] devices: lan0, lan1/,
    );
    rejects(
      { externalAddresses: { isp7: '8.8.4.5' } },
      /plugins\.upnp\.externalAddresses\.isp7: got "isp7"; no WAN is named so/,
    );
  });

  it('bounds the mappings per client and in all: 1-4096, the per-client bound within the total', () => {
    const o = parseUpnpOptions({ enabled: true, maxPerClient: 4, maxMappings: 10 }, config);
    assert.equal(o.maxPerClient, 4);
    assert.equal(o.maxMappings, 10);
    rejects({ maxPerClient: 0 }, /plugins\.upnp\.maxPerClient: got 0/);
    rejects({ maxMappings: 5000 }, /plugins\.upnp\.maxMappings: got 5000/);
    rejects({ maxPerClient: 1.5 }, /plugins\.upnp\.maxPerClient: got 1\.5/);
    rejects(
      { maxPerClient: 20, maxMappings: 10 },
      /plugins\.upnp\.maxPerClient: got 20; must not exceed maxMappings \(10\)/,
    );
  });

  it('needs a LAN when enabled', () => {
    const bare = loadedWith({ lan: [] }).config;
    assert.throws(
      () => parseUpnpOptions({ enabled: true }, bare),
      /plugins\.upnp\.enabled: got true; UPnP serves a LAN: configure lan\[\] first/,
    );
    assert.equal(parseUpnpOptions({}, bare).enabled, false);
  });

  it('refuses a private or reserved external address, as miniupnpd 2.3 would at start', () => {
    rejects(
      { externalAddresses: { isp1: '100.64.1.2' } },
      /plugins\.upnp\.externalAddresses\.isp1: got "100\.64\.1\.2"; miniupnpd refuses private and reserved addresses/,
    );
    rejects(
      { externalAddresses: { isp1: '10.1.2.300' } },
      /plugins\.upnp\.externalAddresses\.isp1: got "10\.1\.2\.300"; expected an IPv4 address/,
    );
  });

  it("knows miniupnpd's reserved blocks", () => {
    for (const a of [
      '10.0.0.1',
      '100.64.3.2',
      '100.127.255.255',
      '172.31.0.1',
      '192.168.1.1',
      '198.51.100.6',
      '203.0.113.10',
      '192.0.2.1',
      '198.19.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '0.1.2.3',
      '127.0.0.1',
      '169.254.1.1',
    ]) {
      assert.equal(isReservedIPv4(a), true, a);
    }
    for (const a of [
      '8.8.4.5',
      '100.128.0.1',
      '100.63.255.255',
      '172.32.0.1',
      '198.20.0.1',
      '203.0.114.1',
      '192.0.3.1',
    ])
      assert.equal(isReservedIPv4(a), false, a);
  });
});
