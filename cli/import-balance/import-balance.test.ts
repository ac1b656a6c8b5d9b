// Tests import-balance on realistic Net-ISP-Balance files: the YAML passes mwan's parser and says what it could not carry over.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultLoaders } from 'cosmiconfig';
import { parseConfig } from '../config.ts';
import { importBalance } from './command.ts';
import { convertBalance } from './convert.ts';
import { parseBalanceText } from './parse-balance.ts';

const fixtures = fileURLToPath(new URL('../../test/fixtures/net-isp-balance/', import.meta.url));
const parsed = async (yaml: string) => parseConfig(await defaultLoaders['.yaml']('x.yaml', yaml)).config;
const notCarried = (yaml: string) => yaml.split('\n').filter((l) => l.startsWith('# not carried over: '));

describe('import-balance', () => {
  it('carries services, failover order, health, forwarding groups and warn_email from balance.conf + network.conf', async () => {
    const yaml = await importBalance([path.join(fixtures, 'balance.conf'), path.join(fixtures, 'network.conf')]);
    const config = await parsed(yaml);
    assert.equal(config.mode, 'failover');
    assert.deepEqual(
      config.wans.map((w) => [w.name, w.device, w.tier, w.gateway, w.probes.map((p) => p.target)]),
      [
        ['DSL', 'ppp0', 1, 'auto', ['192.0.2.10']],
        ['LTE', 'wwan0', 2, '100.64.9.1', ['gateway']],
        ['SAT', 'eth3', 1, 'auto', ['198.51.100.7']],
      ],
    );
    assert.deepEqual(
      config.lan.map((l) => [l.name, l.device]),
      [
        ['LAN1', 'eth1'],
        ['LAN2', 'eth2'],
      ],
    );
    assert.deepEqual(config.firewall.forwardingGroups, [['LAN1', ':isp']]);
    const h = config.health;
    assert.deepEqual(
      [h.intervalMs, h.downAfter, h.upAfter, h.lossHighPct, h.lossLowPct, h.longDownSeconds],
      [1000, 7, 10, 15, 5, 120],
    );
    assert.deepEqual(config.plugins.mail, { to: 'root@localhost', transport: { sendmail: true } });
    assert.deepEqual(notCarried(yaml), [
      "# not carried over: ping-ip www.google.ca of LTE (balance.conf:7): icmp probes need an IPv4 address; probing the WAN's gateway instead: add an address beyond your ISP",
      '# not carried over: weight 1.5 of SAT (network.conf:2): mwan weights are whole numbers 1-1000; rounded to 2',
      '# not carried over: service VPN tun0 vpn (network.conf:3): role "vpn" is neither isp nor lan',
      '# not carried over: forwarding_group=LAN2 LAN1 CABLE (balance.conf:14): no carried-over service is named CABLE',
    ]);
  });

  it('balanced mode keeps the weights; a row without ping-ip probes the gateway, with a comment', async () => {
    const yaml = await importBalance([path.join(fixtures, 'balance-only.conf')]);
    const config = await parsed(yaml);
    assert.deepEqual(
      [config.mode, config.wans.map((w) => [w.name, w.weight, w.tier, w.probes[0].target])],
      [
        'balanced',
        [
          ['CABLE', 1, 1, '203.0.113.9'],
          ['DSL', 1, 1, 'gateway'],
        ],
      ],
    );
    assert.equal(notCarried(yaml).length, 1);
    assert.match(
      notCarried(yaml)[0],
      /^# not carried over: no ping-ip \(Net-ISP-Balance then pinged www\.google\.ca\) of DSL \(balance-only\.conf:5\)/,
    );
  });

  it('comments every unknown or malformed setting, and the code fragments beside balance.conf', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-import-'));
    try {
      copyFileSync(path.join(fixtures, 'balance-only.conf'), path.join(dir, 'balance.conf'));
      mkdirSync(path.join(dir, 'balance', 'firewall'), { recursive: true });
      const yaml = await importBalance([path.join(dir, 'balance.conf')]);
      assert.ok(
        notCarried(yaml).some((l) =>
          l.startsWith(`# not carried over: ${path.join(dir, 'balance', 'firewall')} (shell or Perl fragments)`),
        ),
        yaml,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const files = parseBalanceText(
      'A eth1 isp 192.0.2.1\nmode=roundrobin\nlsm_timeout=3\ninterval_ms=5\nwarn_email=nobody\n',
      'b.conf',
    );
    const yaml = convertBalance(files, ['b.conf']);
    await parsed(yaml);
    assert.deepEqual(
      notCarried(yaml).map((l) => l.replace(/ \(b\.conf:\d\).*/, '')),
      [
        '# not carried over: mode=roundrobin',
        '# not carried over: lsm_timeout=3',
        '# not carried over: interval_ms=5',
        '# not carried over: warn_email=nobody',
      ],
    );
  });

  it('refuses files without an isp service, naming them', () => {
    assert.throws(
      () => convertBalance(parseBalanceText('LAN eth0 lan\n', 'b.conf'), ['b.conf']),
      /no isp service to carry over in b\.conf/,
    );
  });
});
