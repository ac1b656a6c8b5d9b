// Tests the configuration schema: defaults, field rules with messages naming path, value and what is allowed, cross-field checks.
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';
import { configSchema, parseConfig } from '../../cli/config.ts';

const wan = (name: string, device: string, extra: Record<string, unknown> = {}) => ({ name, device, ...extra });

/** Parses `input` expecting failure; returns the error message. */
function rejection(input: unknown): string {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof MwanError, `expected MwanError, got ${String(error)}`);
    assert.equal(error.code, 'MWAN_CONFIG_INVALID');
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be rejected`);
}

/** The message line about `field` (every problem is on its own line, starting with the field path). */
function lineFor(message: string, field: string): string {
  const line = message.split('\n').find((l) => l.startsWith(`${field}: `));
  assert.ok(line, `no line for ${field} in:\n${message}`);
  return line;
}

describe('configSchema', () => {
  describe('defaults', () => {
    it('fills every optional field with its documented default', () => {
      const cfg = configSchema.parse({ wans: [wan('isp1', 'wan1')] });
      assert.equal(cfg.mode, 'balanced');
      assert.deepEqual(cfg.lan, []);
      assert.deepEqual(cfg.kernel, {
        nftTable: 'mwan',
        markMask: 0xff00,
        tableBase: 1000,
        rulePriorityBase: 1000,
        routeProtocol: 249,
        nfqueueBase: 2000,
        nfqueueTagMask: 0x7f000000,
      });
      assert.deepEqual(cfg.control, { socket: '/run/mwan/mwan.sock' });
      assert.equal(cfg.stateDir, '/run/mwan');
      assert.equal(cfg.pluginsDir, undefined);
      assert.deepEqual(cfg.plugins, {});
      assert.deepEqual(cfg.log, { level: 'info' });
    });

    it('fills WAN defaults: automatic gateway, weight 1, tier 1, masquerade, no probes', () => {
      const [w] = configSchema.parse({ wans: [wan('isp1', 'wan1')] }).wans;
      assert.deepEqual(w, {
        name: 'isp1',
        device: 'wan1',
        gateway: 'auto',
        weight: 1,
        tier: 1,
        snat: 'masquerade',
        probes: [],
      });
    });

    it('completes a partial kernel section with the other defaults', () => {
      const cfg = configSchema.parse({ wans: [wan('isp1', 'wan1')], kernel: { tableBase: 2000 } });
      assert.equal(cfg.kernel.tableBase, 2000);
      assert.equal(cfg.kernel.markMask, 0xff00);
      assert.equal(cfg.kernel.nftTable, 'mwan');
    });

    it('defaults a probe method to icmp', () => {
      const [w] = configSchema.parse({ wans: [wan('isp1', 'wan1', { probes: [{ target: '1.1.1.1' }] })] }).wans;
      assert.equal(w.probes[0].method, 'icmp');
    });

    it('accepts a plugin disabled with false and a plugin given options', () => {
      const cfg = configSchema.parse({ wans: [wan('isp1', 'wan1')], plugins: { snat: false, probe: { interval: 5 } } });
      assert.deepEqual(cfg.plugins, { snat: false, probe: { interval: 5 } });
    });
  });

  describe('malformed values: the message names the field path, the bad value and what is allowed', () => {
    const cases: { what: string; input: unknown; field: string; got: string; allowed: RegExp }[] = [
      {
        what: 'negative weight',
        input: { wans: [wan('isp1', 'wan1'), wan('isp2', 'wan2', { weight: -3 })] },
        field: 'wans[1].weight',
        got: '-3',
        allowed: />=\s*1/,
      },
      {
        what: 'weight above 1000',
        input: { wans: [wan('isp1', 'wan1', { weight: 5000 })] },
        field: 'wans[0].weight',
        got: '5000',
        allowed: /<=\s*1000/,
      },
      {
        what: 'fractional weight',
        input: { wans: [wan('isp1', 'wan1', { weight: 1.5 })] },
        field: 'wans[0].weight',
        got: '1.5',
        allowed: /int/,
      },
      {
        what: 'weight as text',
        input: { wans: [wan('isp1', 'wan1', { weight: 'heavy' })] },
        field: 'wans[0].weight',
        got: '"heavy"',
        allowed: /expected number/,
      },
      {
        what: 'unknown mode',
        input: { mode: 'roundrobin', wans: [wan('isp1', 'wan1')] },
        field: 'mode',
        got: '"roundrobin"',
        allowed: /"balanced".*"failover"/,
      },
      {
        what: 'short IPv4 gateway',
        input: { wans: [wan('isp1', 'wan1', { gateway: '100.64.1' })] },
        field: 'wans[0].gateway',
        got: '"100.64.1"',
        allowed: /dotted IPv4 address/,
      },
      {
        what: 'octet above 255 in gateway',
        input: { wans: [wan('isp1', 'wan1', { gateway: '100.64.1.256' })] },
        field: 'wans[0].gateway',
        got: '"100.64.1.256"',
        allowed: /dotted IPv4 address/,
      },
      {
        what: 'WAN name starting with a digit',
        input: { wans: [wan('1isp', 'wan1')] },
        field: 'wans[0].name',
        got: '"1isp"',
        allowed: /a letter, then/,
      },
      {
        what: 'device name with a slash',
        input: { wans: [wan('isp1', 'wan/1')] },
        field: 'wans[0].device',
        got: '"wan/1"',
        allowed: /interface name/,
      },
      {
        what: 'device name longer than 15 characters',
        input: { wans: [wan('isp1', 'wan0123456789abc')] },
        field: 'wans[0].device',
        got: '"wan0123456789abc"',
        allowed: /1-15 characters/,
      },
      {
        what: 'tier 17',
        input: { wans: [wan('isp1', 'wan1', { tier: 17 })] },
        field: 'wans[0].tier',
        got: '17',
        allowed: /<=\s*16/,
      },
      {
        what: 'unknown snat mode',
        input: { wans: [wan('isp1', 'wan1', { snat: 'nat' })] },
        field: 'wans[0].snat',
        got: '"nat"',
        allowed: /"masquerade".*"snat".*"none"/,
      },
      {
        what: 'probe target with a space',
        input: { wans: [wan('isp1', 'wan1', { probes: [{ target: 'example com' }] })] },
        field: 'wans[0].probes[0].target',
        got: '"example com"',
        allowed: /an IPv4 address, a host name, or an IPv6 address/,
      },
      {
        what: 'probe port 0',
        input: { wans: [wan('isp1', 'wan1', { probes: [{ method: 'tcp', target: 'example.com', port: 0 }] })] },
        field: 'wans[0].probes[0].port',
        got: '0',
        allowed: />=\s*1/,
      },
      {
        what: 'non-contiguous mark mask',
        input: { wans: [wan('isp1', 'wan1')], kernel: { markMask: 0xf0f0 } },
        field: 'kernel.markMask',
        got: String(0xf0f0),
        allowed: /contiguous/,
      },
      {
        what: 'route protocol above 255',
        input: { wans: [wan('isp1', 'wan1')], kernel: { routeProtocol: 300 } },
        field: 'kernel.routeProtocol',
        got: '300',
        allowed: /<=\s*255/,
      },
      {
        what: 'relative state directory',
        input: { wans: [wan('isp1', 'wan1')], stateDir: 'run/mwan' },
        field: 'stateDir',
        got: '"run/mwan"',
        allowed: /absolute path/,
      },
      {
        what: 'relative control socket',
        input: { wans: [wan('isp1', 'wan1')], control: { socket: 'mwan.sock' } },
        field: 'control.socket',
        got: '"mwan.sock"',
        allowed: /absolute path/,
      },
      {
        what: 'unknown log level',
        input: { wans: [wan('isp1', 'wan1')], log: { level: 'loud' } },
        field: 'log.level',
        got: '"loud"',
        allowed: /"debug"/,
      },
      {
        what: 'missing device',
        input: { wans: [{ name: 'isp1' }] },
        field: 'wans[0].device',
        got: 'nothing',
        allowed: /expected string/,
      },
      { what: 'no WAN at all', input: { wans: [] }, field: 'wans', got: '[]', allowed: /at least one WAN/ },
      {
        what: 'LAN device with a colon',
        input: { wans: [wan('isp1', 'wan1')], lan: [{ device: 'eth0:1' }] },
        field: 'lan[0].device',
        got: '"eth0:1"',
        allowed: /interface name/,
      },
    ];
    for (const c of cases) {
      it(`${c.what} → ${c.field}`, () => {
        const line = lineFor(rejection(c.input), c.field);
        assert.ok(line.includes(`got ${c.got}`), `value ${c.got} not named in: ${line}`);
        assert.match(line, c.allowed);
      });
    }

    it('plugins.<name>: true says what is allowed', () => {
      const line = lineFor(rejection({ wans: [wan('isp1', 'wan1')], plugins: { snat: true } }), 'plugins.snat');
      assert.ok(line.includes('got true'));
      assert.match(line, /false|object/);
    });

    it('reports every problem, one per line', () => {
      const message = rejection({ mode: 'x', wans: [wan('isp1', 'wan1', { weight: 0, tier: 0 })] });
      lineFor(message, 'mode');
      lineFor(message, 'wans[0].weight');
      lineFor(message, 'wans[0].tier');
    });
  });

  describe('unknown keys', () => {
    it('rejects a misspelt WAN field, naming the key and where it is', () => {
      const line = lineFor(rejection({ wans: [wan('isp1', 'wan1'), wan('isp2', 'wan2', { wieght: 2 })] }), 'wans[1]');
      assert.match(line, /unknown field/);
      assert.match(line, /\bwieght\b/);
      assert.match(line, /spelling/);
    });

    it('rejects an unknown top-level key', () => {
      const line = lineFor(rejection({ wans: [wan('isp1', 'wan1')], lans: [] }), '(top level)');
      assert.match(line, /unknown field/);
      assert.match(line, /\blans\b/);
    });

    it('rejects an unknown key in the kernel section', () => {
      const line = lineFor(rejection({ wans: [wan('isp1', 'wan1')], kernel: { markmask: 255 } }), 'kernel');
      assert.match(line, /unknown field/);
      assert.match(line, /\bmarkmask\b/);
    });
  });

  describe('cross-field checks', () => {
    it('rejects a duplicate WAN name, pointing at the first use', () => {
      const line = lineFor(rejection({ wans: [wan('isp1', 'wan1'), wan('isp1', 'wan2')] }), 'wans[1].name');
      assert.match(line, /got "isp1"/);
      assert.match(line, /duplicate WAN name: also used by wans\[0\]/);
    });

    it('rejects a duplicate WAN device', () => {
      const line = lineFor(
        rejection({ wans: [wan('isp1', 'wan1'), wan('isp2', 'wan2'), wan('isp3', 'wan1')] }),
        'wans[2].device',
      );
      assert.match(line, /got "wan1"/);
      assert.match(line, /duplicate WAN device: also used by wans\[0\]/);
    });

    it('rejects a duplicate explicit id', () => {
      const line = lineFor(
        rejection({ wans: [wan('isp1', 'wan1', { id: 3 }), wan('isp2', 'wan2', { id: 3 })] }),
        'wans[1].id',
      );
      assert.match(line, /got 3/);
      assert.match(line, /duplicate id: also used by wans\[0\]/);
    });

    it('rejects a LAN device that is also a WAN device', () => {
      const line = lineFor(
        rejection({ wans: [wan('isp1', 'wan1')], lan: [{ device: 'lan0' }, { device: 'wan1' }] }),
        'lan[1].device',
      );
      assert.match(line, /got "wan1"/);
      assert.match(line, /also a WAN device/);
    });

    it('accepts distinct names, devices and ids', () => {
      const { config } = parseConfig({
        wans: [wan('isp1', 'wan1', { id: 1 }), wan('isp2', 'wan2', { id: 2 })],
        lan: [{ device: 'lan0' }],
      });
      assert.deepEqual(
        config.wans.map((w) => w.id),
        [1, 2],
      );
    });
  });
});

describe('configSchema: forwards and firewall', () => {
  const wans = [wan('isp1', 'wan1'), wan('isp2', 'wan2')];

  it('defaults: no forwards; a forward is tcp on every WAN; the firewall is on with a LAN (router role), off without', () => {
    const host = configSchema.parse({ wans });
    assert.deepEqual(host.forwards, []);
    assert.deepEqual(host.firewall, {
      enabled: false,
      ssh: { port: 22, from: ['0.0.0.0/0'] },
      icmpRatePerSecond: 10,
      log: true,
      logRatePerMinute: 10,
    });
    const router = configSchema.parse({ wans, lan: [{ device: 'lan0' }], forwards: [{ port: 80, to: '10.0.0.5' }] });
    assert.equal(router.firewall.enabled, true);
    assert.deepEqual(router.forwards, [{ port: 80, proto: 'tcp', to: '10.0.0.5' }]);
    assert.equal(
      configSchema.parse({ wans, lan: [{ device: 'lan0' }], firewall: { enabled: false } }).firewall.enabled,
      false,
    );
    assert.equal(configSchema.parse({ wans, firewall: { enabled: true } }).firewall.enabled, true);
  });

  it('accepts ranges, host:port, chosen WANs, names, SSH settings and forwarding groups', () => {
    const { config } = parseConfig({
      wans,
      lan: [{ device: 'lan0', name: 'office' }],
      forwards: [
        { name: 'web', port: 443, proto: 'both', to: '10.0.0.5:8443', wans: ['isp2'] },
        { port: '6000-6010', proto: 'udp', to: '10.0.0.6' },
      ],
      firewall: {
        ssh: { port: 2222, from: ['192.0.2.0/24', '198.51.100.7'] },
        forwardingGroups: [['office', ':isp'], [':lan', 'isp1'], [':wan']],
      },
    });
    assert.equal(config.forwards[0].wans?.[0], 'isp2');
    assert.deepEqual(config.firewall.ssh, { port: 2222, from: ['192.0.2.0/24', '198.51.100.7'] });
    assert.equal(configSchema.parse({ wans, firewall: { ssh: false } }).firewall.ssh, false);
  });

  const cases: { what: string; input: Record<string, unknown>; field: string; got: string; allowed: RegExp }[] = [
    {
      what: 'port 0',
      input: { forwards: [{ port: 0, to: '10.0.0.5' }] },
      field: 'forwards[0].port',
      got: '0',
      allowed: />=\s*1/,
    },
    {
      what: 'port 65536',
      input: { forwards: [{ port: 65536, to: '10.0.0.5' }] },
      field: 'forwards[0].port',
      got: '65536',
      allowed: /<=\s*65535/,
    },
    {
      what: 'reversed range',
      input: { forwards: [{ port: '8010-8000', to: '10.0.0.5' }] },
      field: 'forwards[0].port',
      got: '"8010-8000"',
      allowed: /ordered range/,
    },
    {
      what: 'range past 65535',
      input: { forwards: [{ port: '65000-70000', to: '10.0.0.5' }] },
      field: 'forwards[0].port',
      got: '"65000-70000"',
      allowed: /ordered range/,
    },
    {
      what: 'service name as port',
      input: { forwards: [{ port: 'http', to: '10.0.0.5' }] },
      field: 'forwards[0].port',
      got: '"http"',
      allowed: /port 1-65535/,
    },
    {
      what: 'unknown proto',
      input: { forwards: [{ port: 80, proto: 'sctp', to: '10.0.0.5' }] },
      field: 'forwards[0].proto',
      got: '"sctp"',
      allowed: /"tcp".*"udp".*"both"/,
    },
    {
      what: 'target not an address',
      input: { forwards: [{ port: 80, to: 'nas.local' }] },
      field: 'forwards[0].to',
      got: '"nas.local"',
      allowed: /IPv4 address with an optional port/,
    },
    {
      what: 'target port 0',
      input: { forwards: [{ port: 80, to: '10.0.0.5:0' }] },
      field: 'forwards[0].to',
      got: '"10.0.0.5:0"',
      allowed: /IPv4 address with an optional port/,
    },
    {
      what: 'missing target',
      input: { forwards: [{ port: 80 }] },
      field: 'forwards[0].to',
      got: 'nothing',
      allowed: /a forward needs a LAN host: to \(IPv4\), to6 \(IPv6\), or both/,
    },
    {
      what: 'unknown WAN',
      input: {
        forwards: [
          { port: 80, to: '10.0.0.5' },
          { port: 81, to: '10.0.0.5' },
          { port: 82, to: '10.0.0.5', wans: ['isp3'] },
        ],
      },
      field: 'forwards[2].wans[0]',
      got: '"isp3"',
      allowed: /no WAN is named so; WANs: isp1, isp2/,
    },
    {
      what: 'empty WAN list',
      input: { forwards: [{ port: 80, to: '10.0.0.5', wans: [] }] },
      field: 'forwards[0].wans',
      got: '[]',
      allowed: /leave wans out/,
    },
    {
      what: 'range with a target port',
      input: { forwards: [{ port: '80-81', to: '10.0.0.5:8080' }] },
      field: 'forwards[0].to',
      got: '"10.0.0.5:8080"',
      allowed: /range keeps its ports/,
    },
    {
      what: 'overlapping forwards on one WAN',
      input: {
        forwards: [
          { port: '8000-8010', to: '10.0.0.5' },
          { port: 8005, to: '10.0.0.6', wans: ['isp2'] },
        ],
      },
      field: 'forwards[1].port',
      got: '8005',
      allowed: /overlaps forwards\[0\] on WAN isp2/,
    },
    {
      what: 'misspelt forward field',
      input: { forwards: [{ port: 80, to: '10.0.0.5', wan: ['isp1'] }] },
      field: 'forwards[0]',
      got: '',
      allowed: /unknown field "wan"/,
    },
    {
      what: 'ssh true',
      input: { firewall: { ssh: true } },
      field: 'firewall.ssh',
      got: 'true',
      allowed: /false .*or \{ port, from \}/,
    },
    {
      what: 'ssh from a bad prefix',
      input: { firewall: { ssh: { from: ['192.0.2.0/33'] } } },
      field: 'firewall.ssh.from[0]',
      got: '"192.0.2.0/33"',
      allowed: /IPv4 address or prefix/,
    },
    {
      what: 'negative ICMP rate',
      input: { firewall: { icmpRatePerSecond: -1 } },
      field: 'firewall.icmpRatePerSecond',
      got: '-1',
      allowed: />=\s*0/,
    },
    {
      what: 'log rate 0',
      input: { firewall: { logRatePerMinute: 0 } },
      field: 'firewall.logRatePerMinute',
      got: '0',
      allowed: />=\s*1/,
    },
    {
      what: 'unknown group member',
      input: {
        lan: [{ device: 'lan0' }],
        firewall: {
          forwardingGroups: [
            [':lan', ':isp'],
            ['lan0', 'isp9'],
          ],
        },
      },
      field: 'firewall.forwardingGroups[1][1]',
      got: '"isp9"',
      allowed: /LAN name .*WAN name, ":lan" or ":isp"/,
    },
    {
      what: 'empty group',
      input: { firewall: { forwardingGroups: [[]] } },
      field: 'firewall.forwardingGroups[0]',
      got: '[]',
      allowed: /at least one/,
    },
    {
      what: 'misspelt firewall field',
      input: { firewall: { enable: true } },
      field: 'firewall',
      got: '',
      allowed: /unknown field "enable"/,
    },
  ];
  for (const c of cases) {
    it(`${c.what} → ${c.field}`, () => {
      const line = lineFor(rejection({ wans, lan: [{ device: 'lan0' }], ...c.input }), c.field);
      if (c.got) assert.ok(line.includes(`got ${c.got}`), `value ${c.got} not named in: ${line}`);
      assert.match(line, c.allowed);
    });
  }

  it('the same port on different WANs or protocols is no overlap', () => {
    const { config } = parseConfig({
      wans,
      lan: [{ device: 'lan0' }],
      forwards: [
        { port: 80, to: '10.0.0.5', wans: ['isp1'] },
        { port: 80, to: '10.0.0.6', wans: ['isp2'] },
        { port: 80, proto: 'udp', to: '10.0.0.7' },
      ],
    });
    assert.equal(config.forwards.length, 3);
  });
});

describe('configSchema: devices, limits, addresses, gateways and forward targets', () => {
  const wans = [wan('isp1', 'wan1'), wan('isp2', 'wan2')];
  const lan = [{ device: 'lan0', addresses: ['10.0.0.1/24'] }];
  const cases: { what: string; input: Record<string, unknown>; field: string; allowed: RegExp }[] = [
    {
      what: 'WAN device lo',
      input: { wans: [wan('isp1', 'lo')] },
      field: 'wans[0].device',
      allowed: /"lo" is reserved/,
    },
    {
      what: 'WAN device all',
      input: { wans: [wan('isp1', 'all')] },
      field: 'wans[0].device',
      allowed: /"all" is reserved/,
    },
    {
      what: 'LAN device default',
      input: { lan: [{ device: 'default' }] },
      field: 'lan[0].device',
      allowed: /"default" is reserved/,
    },
    { what: 'device ".."', input: { lan: [{ device: '..' }] }, field: 'lan[0].device', allowed: /interface name/ },
    {
      what: 'device with a space',
      input: { lan: [{ device: 'lan 0' }] },
      field: 'lan[0].device',
      allowed: /interface name/,
    },
    {
      what: 'a LAN device listed twice',
      input: { lan: [{ device: 'lan0' }, { device: 'lan0' }] },
      field: 'lan[1].device',
      allowed: /duplicate LAN device: also used by lan\[0\]/,
    },
    {
      what: 'a LAN device that is a WAN device',
      input: { lan: [{ device: 'wan2' }] },
      field: 'lan[0].device',
      allowed: /also a WAN device \(wans\[1\]\)/,
    },
    {
      what: '17 probes on a WAN',
      input: { wans: [wan('isp1', 'wan1', { probes: Array.from({ length: 17 }, () => ({ target: '192.0.2.1' })) })] },
      field: 'wans[0].probes',
      allowed: /at most 16 probes per WAN/,
    },
    {
      what: '257 probes in all',
      input: {
        wans: Array.from({ length: 17 }, (_, i) =>
          wan(`isp${i}`, `wan${i}`, { probes: Array.from({ length: 16 }, () => ({ target: '192.0.2.1' })) }),
        ),
      },
      field: 'wans[16].probes',
      allowed: /at most 256 probes over all WANs/,
    },
    {
      what: '1025 rules',
      input: { rules: Array.from({ length: 1025 }, () => ({ dst: ['192.0.2.0/24'], enforce: 'isp1' })) },
      field: 'rules',
      allowed: /at most 1024 rules/,
    },
    {
      what: '1025 forwards',
      input: { forwards: Array.from({ length: 1025 }, (_, i) => ({ port: 1000 + i, to: '10.0.0.5' })) },
      field: 'forwards',
      allowed: /at most 1024 forwards/,
    },
    {
      what: '129 policies',
      input: {
        policies: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`p${i}`, { strategy: 'weighted' }])),
      },
      field: 'policies',
      allowed: /at most 128 policies/,
    },
    {
      what: 'gateway 255.255.255.255',
      input: { wans: [wan('isp1', 'wan1', { gateway: '255.255.255.255' })] },
      field: 'wans[0].gateway',
      allowed: /limited broadcast/,
    },
    {
      what: 'gateway 127.0.0.1',
      input: { wans: [wan('isp1', 'wan1', { gateway: '127.0.0.1' })] },
      field: 'wans[0].gateway',
      allowed: /loopback/,
    },
    {
      what: 'gateway outside the WAN network',
      input: { wans: [wan('isp1', 'wan1', { address: '100.64.1.2/30', gateway: '100.64.9.1' })] },
      field: 'wans[0].gateway',
      allowed: /outside 100\.64\.1\.0\/30/,
    },
    {
      what: "gateway on the WAN network's broadcast",
      input: { wans: [wan('isp1', 'wan1', { address: '100.64.1.2/30', gateway: '100.64.1.3' })] },
      field: 'wans[0].gateway',
      allowed: /broadcast address of 100\.64\.1\.0\/30/,
    },
    {
      what: "gateway = the WAN's own address",
      input: { wans: [wan('isp1', 'wan1', { address: '100.64.1.2/30', gateway: '100.64.1.2' })] },
      field: 'wans[0].gateway',
      allowed: /WAN's own address/,
    },
    {
      what: "a WAN address that is its network's address",
      input: { wans: [wan('isp1', 'wan1', { address: '100.64.1.0/30' })] },
      field: 'wans[0].address',
      allowed: /network address/,
    },
    {
      what: 'a malformed LAN address',
      input: { lan: [{ device: 'lan0', addresses: ['10.0.0.1'] }] },
      field: 'lan[0].addresses[0]',
      allowed: /with its prefix length/,
    },
    {
      what: 'forward to loopback',
      input: { lan, forwards: [{ port: 80, to: '127.0.0.1' }] },
      field: 'forwards[0].to',
      allowed: /loopback/,
    },
    {
      what: 'forward to multicast',
      input: { lan, forwards: [{ port: 80, to: '239.1.1.1' }] },
      field: 'forwards[0].to',
      allowed: /multicast/,
    },
    {
      what: 'forward to 0.0.0.0',
      input: { lan, forwards: [{ port: 80, to: '0.0.0.0' }] },
      field: 'forwards[0].to',
      allowed: /0\.0\.0\.0\/8/,
    },
    {
      what: 'forward to the LAN broadcast',
      input: { lan, forwards: [{ port: 80, to: '10.0.0.255' }] },
      field: 'forwards[0].to',
      allowed: /broadcast address of 10\.0\.0\.0\/24/,
    },
    {
      what: "forward to the router's LAN address",
      input: { lan, forwards: [{ port: 22, to: '10.0.0.1:22' }] },
      field: 'forwards[0].to',
      allowed: /address of the router itself/,
    },
    {
      what: "forward to the router's WAN address",
      input: {
        lan,
        wans: [wan('isp1', 'wan1', { address: '100.64.1.2/30' })],
        forwards: [{ port: 80, to: '100.64.1.2', allowOutsideLan: true }],
      },
      field: 'forwards[0].to',
      allowed: /address of the router itself/,
    },
    {
      what: 'forward outside the LAN networks',
      input: { lan, forwards: [{ port: 80, to: '10.9.9.9' }] },
      field: 'forwards[0].to',
      allowed: /outside every LAN network \(10\.0\.0\.0\/24\); set allowOutsideLan/,
    },
    {
      what: 'forward without any LAN',
      input: { lan: [], forwards: [{ port: 80, to: '10.0.0.5' }] },
      field: 'forwards[0].to',
      allowed: /no LAN is configured/,
    },
  ];
  for (const c of cases) {
    it(`${c.what} → ${c.field}`, () => {
      assert.match(lineFor(rejection({ wans, ...c.input }), c.field), c.allowed);
    });
  }

  it('accepts targets inside a LAN, outside one when allowed, gateways in the network or on-link for a /32', () => {
    const { config } = parseConfig({
      wans: [
        wan('isp1', 'wan1', { address: '100.64.1.2/30', gateway: '100.64.1.1' }),
        wan('isp2', 'wan2', { address: '203.0.113.9/32', gateway: '172.31.1.1' }),
      ],
      lan: [{ device: 'lan0', addresses: ['10.0.0.1/24', '10.1.0.1/16'] }],
      forwards: [
        { port: 80, to: '10.0.0.5' },
        { port: 81, to: '10.1.200.3:8080' },
        { port: 82, to: '192.0.2.7', allowOutsideLan: true },
      ],
    });
    assert.equal(config.forwards.length, 3);
    assert.equal(config.wans[1].address, '203.0.113.9/32');
  });

  it('without declared LAN addresses, only the address class is checked here (the plugin checks the rest at run time)', () => {
    assert.doesNotThrow(() =>
      parseConfig({ wans, lan: [{ device: 'lan0' }], forwards: [{ port: 80, to: '10.9.9.9' }] }),
    );
  });

  it('more WANs than the mark mask carries names the capacity', () => {
    const many = Array.from({ length: 16 }, (_, i) => wan(`isp${i}`, `wan${i}`));
    assert.match(
      rejection({ wans: many, kernel: { markMask: 0xf00 } }),
      /wans: 16 WANs do not fit the mark mask \(room for 15\)/,
    );
  });
});
