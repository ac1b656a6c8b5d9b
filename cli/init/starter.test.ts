// Tests init's pieces: DHCP lease parsing, WAN and LAN detection, and a starter that parses and contacts no public host.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultLoaders } from 'cosmiconfig';
import { parseConfig } from '../config.ts';
import { link } from '../../test/kit/link.ts';
import { parseDhclientLeases } from './leases.ts';
import { readLeases } from './discover.ts';
import { isPrivate, starterConfig } from './starter.ts';

const DHCLIENT = `lease {
  interface "eth2";
  fixed-address 100.64.2.2;
  option routers 100.64.2.1;
}
lease {
  interface "eth2";
  option routers 100.64.2.9;
}
lease {
  interface "eth4";
}
`;

describe('mwanctl init', () => {
  it('reads dhclient and networkd leases (the last lease per interface wins; networkd files by interface index)', async () => {
    assert.deepEqual(parseDhclientLeases(DHCLIENT), [
      { device: 'eth2', router: '100.64.2.9' },
      { device: 'eth4', router: undefined },
    ]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-leases-'));
    try {
      mkdirSync(path.join(dir, 'dhcp'));
      mkdirSync(path.join(dir, 'netif'));
      writeFileSync(path.join(dir, 'dhcp', 'dhclient.eth2.leases'), DHCLIENT);
      writeFileSync(
        path.join(dir, 'netif', '7'),
        '# This is private data. Do not parse.\nADDRESS=100.64.3.2\nROUTER=100.64.3.1\n',
      );
      const leases = await readLeases(new Map([[7, 'eth3']]), {
        dhclient: path.join(dir, 'dhcp'),
        networkd: path.join(dir, 'netif'),
      });
      assert.deepEqual(leases, [
        { device: 'eth2', router: '100.64.2.9' },
        { device: 'eth4', router: undefined },
        { device: 'eth3', router: '100.64.3.1' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes default routes (any table) and leases for WANs, private networks elsewhere for LANs; the result parses', async () => {
    assert.deepEqual(['10.1.2.3', '172.31.0.1', '172.32.0.1', '192.168.9.9', '100.64.1.2'].map(isPrivate), [
      true,
      true,
      false,
      true,
      false,
    ]);
    const starter = starterConfig({
      links: [
        link('lo', '127.0.0.1', 8),
        link('eth1', '100.64.1.2'),
        link('eth2', '100.64.2.2'),
        link('ppp0', null),
        link('eth0', '192.168.10.1', 24),
        link('eth9', '203.0.113.5', 24),
      ],
      defaults: [
        { dev: 'eth1', via: '100.64.1.1', table: 254, metric: 100 },
        { dev: 'ppp0', table: 201 },
      ],
      leases: [{ device: 'eth2', router: '100.64.2.1' }],
    });
    assert.deepEqual([starter.wans, starter.lans], [['eth1', 'eth2', 'ppp0'], ['eth0']]);
    const { config } = parseConfig(await defaultLoaders['.yaml']('s.yaml', starter.yaml));
    assert.deepEqual(
      config.wans.map((w) => [w.name, w.device, w.gateway, w.probes.map((p) => p.target)]),
      [
        ['eth1', 'eth1', 'auto', ['gateway']],
        ['eth2', 'eth2', 'auto', ['gateway']],
        ['ppp0', 'ppp0', 'auto', ['gateway']],
      ],
    );
    assert.deepEqual(config.lan, [{ device: 'eth0', addresses: ['192.168.10.1/24'] }]);
    assert.match(starter.yaml, /# default via 100\.64\.1\.1 in main metric 100/);
    assert.match(starter.yaml, /# a DHCP lease with router 100\.64\.2\.1/);
    // the public resolvers appear in comments only
    for (const line of starter.yaml.split('\n').filter((l) => /9\.9\.9\.9|1\.1\.1\.1|8\.8\.8\.8/.test(l)))
      assert.match(line, /^\s*#/, line);
  });

  it('refuses a machine without any uplink', () => {
    assert.throws(
      () => starterConfig({ links: [link('eth0', '10.0.0.1', 24)], defaults: [], leases: [] }),
      /found no interface with a default route/,
    );
  });
});
