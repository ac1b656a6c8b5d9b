// Hostile UPnP input: forged lease lines, rules in miniupnpd's table that point at the router, outside the LAN, at low or
// static-forward ports, floods above the bounds. Each refusal names its culprit; in the lab mwan's own state stays as it was.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { nodeArgv, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { leaseDetails, parseLeaseLine, renderLeaseFile } from '../../../plugins/upnp/leases.ts';
import { mappingsFromNft } from '../../../plugins/upnp/nft-mappings.ts';
import { parseUpnpOptions } from '../../../plugins/upnp/options.ts';
import { loadedWith, miniupnpdRule, miniupnpdTable, worldOf } from '../../../plugins/upnp/testing.ts';
import { checkMappings, mappingRules } from '../../../plugins/upnp/validate.ts';
import { waitFor } from '../../kit/time.ts';

const STUN_SERVER = new URL('../../kit/lab/servers/stun-server.ts', import.meta.url).pathname;

describe('hostile UPnP input (unit)', () => {
  const loaded = loadedWith({ forwards: [{ port: 2222, to: '10.0.0.20:22' }] });
  const rules = mappingRules(
    worldOf(loaded),
    parseUpnpOptions({ enabled: true, maxPerClient: 3, maxMappings: 5 }, loaded.config),
  );
  /** The reasons mwan gives for the rules of miniupnpd's table (parsing and checks together). */
  function refusals(rulesInTable: Record<string, Record<string, unknown>>[]): string[] {
    const listed = mappingsFromNft(miniupnpdTable(rulesInTable), 'prerouting_miniupnpd');
    const checked = checkMappings(listed.mappings, rules);
    return [...listed.refused, ...checked.refused].map((r) => `${r.what}: ${r.reason}`);
  }

  it('a lease line forged through a newline in the description never reaches the accepted leases', () => {
    const text = 'TCP:5557:10.0.0.5:5557:0:x\nTCP:6000:10.0.0.3:22:0:injected\n';
    const written = renderLeaseFile(
      [{ proto: 'tcp', externalPort: 5557, address: '10.0.0.5', port: 5557 }],
      leaseDetails(text),
      0,
    );
    assert.equal(written, 'TCP:5557:10.0.0.5:5557:0:x\n');
  });

  it('lease lines with extra or missing fields, a bad protocol or a huge length are refused naming the field', () => {
    assert.match(String(parseLeaseLine('TCP:6000:10.0.0.3:22:0')), /5 fields, expected 6/);
    assert.match(String(parseLeaseLine('TCP:6000:10.0.0.3:extra:22:0:x')), /internal port "extra"/);
    assert.match(String(parseLeaseLine('ICMP:6000:10.0.0.3:22:0:x')), /protocol "ICMP"/);
    assert.match(
      String(parseLeaseLine(`TCP:6000:10.0.0.3:22:0:${'A'.repeat(100_000)}`)),
      /longer than 1024 characters/,
    );
  });

  it("a description crafted to overflow miniupnpd's 128-byte line reader is cut so no tail becomes a line", () => {
    const description = `${'p'.repeat(128 - 'TCP:5557:10.0.0.5:5557:0:'.length - 1)}TCP:6000:10.0.0.3:22:0:tail`;
    const written = renderLeaseFile(
      [{ proto: 'tcp', externalPort: 5557, address: '10.0.0.5', port: 5557 }],
      leaseDetails(`TCP:5557:10.0.0.5:5557:0:${description}`),
      0,
    );
    assert.ok(written.length <= 121, `${written.length} characters`);
    assert.doesNotMatch(written, /TCP:6000/);
  });

  it("a rule pointing at the router's own LAN or WAN address is refused naming the address", () => {
    assert.deepEqual(refusals([miniupnpdRule(5, 'tcp', 6000, '10.0.0.1', 22)]), [
      "tcp 6000 → 10.0.0.1:22: internal address 10.0.0.1 is one of the router's own addresses",
    ]);
    assert.match(
      refusals([miniupnpdRule(5, 'tcp', 6000, '100.64.1.2', 6000)])[0],
      /internal address 100\.64\.1\.2 is outside the networks of LAN lan0/,
    );
  });

  it('a rule pointing outside the served LAN (another LAN, a public host, loopback) is refused naming the address', () => {
    assert.match(
      refusals([miniupnpdRule(5, 'tcp', 6000, '10.1.0.9', 6000)])[0],
      /internal address 10\.1\.0\.9 is outside the networks of LAN lan0 \(10\.0\.0\.0\/24\)/,
    );
    assert.match(
      refusals([miniupnpdRule(5, 'udp', 6000, '192.0.2.7', 6000)])[0],
      /internal address 192\.0\.2\.7 is outside/,
    );
    assert.match(
      refusals([miniupnpdRule(5, 'udp', 6000, '127.0.0.1', 6000)])[0],
      /internal address 127\.0\.0\.1 is outside/,
    );
  });

  it("rules with low ports or a static forward's port are refused naming the port", () => {
    assert.match(
      refusals([miniupnpdRule(5, 'tcp', 80, '10.0.0.5', 8080)])[0],
      /tcp 80 → 10\.0\.0\.5:8080: external port 80 is below minPort 1024/,
    );
    assert.match(
      refusals([miniupnpdRule(5, 'tcp', 6000, '10.0.0.5', 22)])[0],
      /internal port 22 is below minPort 1024/,
    );
    assert.match(
      refusals([miniupnpdRule(5, 'udp', 2222, '10.0.0.5', 2222)])[0],
      /external port 2222 belongs to the static forward forwards\[0\]/,
    );
  });

  it('a flood above maxPerClient and maxMappings: the newest are refused naming the bound', () => {
    const flood = Array.from({ length: 5 }, (_, i) => miniupnpdRule(10 + i, 'tcp', 30000 + i, '10.0.0.5', 30000 + i));
    const others = Array.from({ length: 3 }, (_, i) =>
      miniupnpdRule(20 + i, 'udp', 40000 + i, `10.0.0.${50 + i}`, 40000 + i),
    );
    const reasons = refusals([...flood, ...others]);
    assert.deepEqual(reasons.slice(0, 2), [
      'tcp 30003 → 10.0.0.5:30003: 10.0.0.5 already has 3 mappings (maxPerClient)',
      'tcp 30004 → 10.0.0.5:30004: 10.0.0.5 already has 3 mappings (maxPerClient)',
    ]);
    assert.deepEqual(reasons.slice(2), ['udp 40002 → 10.0.0.52:40002: 5 mappings are forwarded already (maxMappings)']);
  });

  it('a rule mwan does not understand (remote-host match, port range, other statement) is refused naming the rule', () => {
    const withSaddr = miniupnpdRule(7, 'tcp', 6000, '10.0.0.5', 6000);
    (withSaddr.rule.expr as unknown[]).unshift({
      match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '192.0.2.1' },
    });
    const range = miniupnpdRule(8, 'tcp', 6001, '10.0.0.5', 6001);
    (range.rule.expr as Record<string, unknown>[])[2] = {
      match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: { range: [1, 65535] } },
    };
    const reasons = refusals([withSaddr, range]);
    assert.match(
      reasons[0],
      /^rule 7 of chain prerouting_miniupnpd: not a mapping mwan understands: a match on \{"payload":\{"protocol":"ip","field":"saddr"\}\}/,
    );
    assert.match(reasons[1], /^rule 8 of chain prerouting_miniupnpd: .*destination port \{"range":\[1,65535\]\}/);
  });
});

describe("hostile UPnP input (lab: mwan's table never takes a refused mapping)", function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess;
  let baseline = '';
  const IGD = 'http://10.77.0.1:5000/rootDesc.xml';

  /** mwan's own state: its nft table, ip rules and every IPv4 route (mwan is IPv4; link-local IPv6 routes come and go). */
  async function ownState(): Promise<string> {
    const run = async (argv: string[]) => (await lab!.exec(lab!.ns.router, argv)).stdout;
    return [
      await run(['nft', '-s', 'list', 'table', 'inet', 'mwan']), // -s: counter values are traffic, not state
      await run(['ip', 'rule', 'show']),
      await run(['ip', '-4', 'route', 'show', 'table', 'all']),
    ].join('\n## \n');
  }
  /** Waits for the refusal warning naming `re`, then asserts mwan's state is what it was with only the honest mapping. */
  async function refusedAndUnchanged(re: RegExp): Promise<void> {
    await waitFor(
      () => daemon.lines.some((l) => /UPnP: refused/.test(l) && re.test(l)),
      15000,
      `a refusal matching ${re}`,
    );
    await new Promise((r) => setTimeout(r, 1500)); // more reads: still nothing applied
    assert.equal(await ownState(), baseline);
    assert.equal(
      daemon.lines.filter((l) => /UPnP: refused/.test(l) && re.test(l)).length,
      1,
      'logged once, not at every read',
    );
  }
  const upnpc = (args: string[]) =>
    lab!.exec(lab!.ns.client, ['upnpc', '-i', '-u', IGD, ...args], { timeout: 15000, reject: false });
  const addRule = (rule: string) =>
    lab!.exec(lab!.ns.router, ['nft', `add rule inet mwan_upnp prerouting_miniupnpd ${rule}`]);

  before(async function () {
    await skipWithoutLab(this, 'hostile upnp');
    if (!existsSync('/usr/sbin/miniupnpd') || !existsSync('/usr/bin/upnpc')) {
      console.log('hostile upnp: skipped (needs miniupnpd-nftables and miniupnpc)');
      this.skip();
    }
    lab = await createLab({ wans: 1 });
    const l = lab;
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        extra: {
          forwards: [{ port: 7000, to: `${l.addr.client}:22` }],
          // Secure mode off: miniupnpd lets a client map any address of the LAN, so only mwan's checks stand in the way.
          plugins: { upnp: { enabled: true, secureMode: false, maxPerClient: 2, stun: { host: l.addr.server } } },
        },
      }),
    );
    const stun = l.spawn(l.ns.inet, nodeArgv(STUN_SERVER, ['--bind', l.addr.server]));
    await Promise.all([stun.waitForLine('ready', 15000), startServerInNs(l, l.ns.client, '0.0.0.0', [5557, 5558])]);
    daemon = await mwan.startDaemon();
    await waitFor(
      () => daemon.lines.some((line) => /Port forwarding is now enabled/.test(line)),
      20000,
      'miniupnpd to enable port forwarding',
    );
    const honest = await upnpc(['-a', l.addr.client, '5557', '5557', 'TCP']);
    assert.match(honest.stdout, /is redirected to internal 10\.77\.0\.2:5557/, honest.stdout + honest.stderr);
    await waitFor(
      async () =>
        (await lab!.exec(l.ns.router, ['nft', 'list', 'table', 'inet', 'mwan'])).stdout.includes(
          'dport 5557 dnat ip to 10.77.0.2:5557',
        ),
      20000,
      "the honest mapping in mwan's table",
    );
    baseline = await ownState();
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it("a client maps a port to the router's own LAN address (miniupnpd allows it with secure mode off): refused", async () => {
    const r = await upnpc(['-a', lab!.addr.routerLan, '5600', '5600', 'TCP']);
    assert.match(
      r.stdout,
      /is redirected to internal 10\.77\.0\.1:5600/,
      `miniupnpd accepted it: ${r.stdout}${r.stderr}`,
    );
    await refusedAndUnchanged(
      /tcp 5600 → 10\.77\.0\.1:5600: internal address 10\.77\.0\.1 is one of the router's own addresses/,
    );
  });

  it('a client floods mappings to one host above maxPerClient: the newest is refused', async () => {
    assert.match((await upnpc(['-a', lab!.addr.client, '5558', '5558', 'TCP'])).stdout, /is redirected/);
    await waitFor(
      async () => (await ownState()).includes('dport 5558 dnat'),
      20000,
      'the second mapping of the client',
    );
    baseline = await ownState();
    assert.match((await upnpc(['-a', lab!.addr.client, '5559', '5559', 'TCP'])).stdout, /is redirected/);
    await refusedAndUnchanged(/tcp 5559 → 10\.77\.0\.2:5559: 10\.77\.0\.2 already has 2 mappings \(maxPerClient\)/);
  });

  it("rules written into miniupnpd's table by hand: outside the LAN, a low port, a static forward's port, a remote-host match", async () => {
    await addRule('iif "wan1" ip protocol tcp th dport 6100 dnat ip to 192.0.2.5:6100');
    await refusedAndUnchanged(
      /tcp 6100 → 192\.0\.2\.5:6100: internal address 192\.0\.2\.5 is outside the networks of LAN lan0/,
    );
    await addRule('iif "wan1" ip protocol tcp th dport 80 dnat ip to 10.77.0.4:8080');
    await refusedAndUnchanged(/tcp 80 → 10\.77\.0\.4:8080: external port 80 is below minPort 1024/);
    await addRule('iif "wan1" ip protocol udp th dport 7000 dnat ip to 10.77.0.4:7000');
    await refusedAndUnchanged(
      /udp 7000 → 10\.77\.0\.4:7000: external port 7000 belongs to the static forward forwards\[0\]/,
    );
    await addRule('iif "wan1" ip saddr 192.0.2.9 ip protocol tcp th dport 6200 dnat ip to 10.77.0.4:6200');
    await refusedAndUnchanged(/of chain prerouting_miniupnpd: not a mapping mwan understands: a match on .*saddr/);
  });

  it('forged lines written straight into the lease file add nothing', async () => {
    const leases = path.join(mwan!.dir, 'state', 'upnp', 'miniupnpd.leases');
    await writeFile(
      leases,
      'TCP:5557:10.77.0.2:5557:0:x\nTCP:6300:10.77.0.3:22:0:forged\nUDP:6301:10.77.0.1:53:0:router\n',
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await ownState(), baseline);
    assert.ok(
      // The mapping list names each as "tcp 6300 → …"; a bare /6300/ also matched a timestamp now and then.
      !daemon.lines.some((l) => /UPnP: \d+ mapping/.test(l) && /\b(tcp|udp) 630[01] /i.test(l)),
      'no mapping change was logged',
    );
  });
});
