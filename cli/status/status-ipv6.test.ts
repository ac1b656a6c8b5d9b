// Tests the status report's IPv6 side: a second row per WAN with IPv6 (its own state, shared fate said), the reasons, --json.
import assert from 'node:assert/strict';
import { formatStatus, STATUS_WIDTH } from './status-format.ts';
import { ipv6Status, type StatusReport, type Wan6Status, type WanStatus } from './status.ts';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../config/schema/parse.ts';
import { WanRegistry } from '../../core/wan/registry.ts';
import { link } from '../../test/kit/link.ts';

const now = Date.parse('2026-12-03T12:00:00Z');
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

function wan(name: string, ipv6?: Partial<Wan6Status>): WanStatus {
  return {
    name,
    state: 'online',
    inService: true,
    active: true,
    reason: '1/1 targets answering',
    device: `${name}-dev`,
    address: '100.64.1.2',
    gateway: '100.64.1.1',
    weight: 1,
    tier: 1,
    mark: '0x100',
    table: 101,
    since: iso(60_000),
    newConnections: 1,
    share: 1,
    rttMs: 10,
    lossPct: 0,
    targets: [],
    rpFilter: { device: 2, all: 0, mode: 'loose' },
    flaps: 0,
    flaps24h: 0,
    quota: null,
    lastFailure: null,
    ...(ipv6
      ? {
          ipv6: {
            family: 'ipv6',
            state: 'online',
            inService: true,
            reason: 'link up',
            address: '2001:db8:1::2',
            gateway: null,
            since: iso(30_000),
            sharedFate: false,
            rttMs: 12.4,
            lossPct: 25,
            targets: [{ target: '2001:db8::10', method: 'icmp', ok: true, rttMs: 12.4 }],
            ...ipv6,
          },
        }
      : {}),
  };
}

const report: StatusReport = {
  mode: 'balanced',
  daemon: true,
  pid: 1,
  wans: [
    wan('isp1', { state: 'offline', inService: false, reason: 'no answer from 1 target in 4 rounds' }),
    wan('isp2', { sharedFate: true, rttMs: null, lossPct: null, targets: [] }),
    wan('isp3'),
  ],
  lastReconcile: null,
};

describe('status: IPv6 per family', () => {
  it('prints an ipv6 row under each WAN with IPv6 only, its own state, and (shared) for shared fate', () => {
    const lines = formatStatus(report, now).split('\n');
    const at = (name: string) => lines.findIndex((l) => l.startsWith(name));
    assert.match(lines[at('isp1')], /^isp1\s+online\b/);
    assert.match(lines[at('isp1') + 1], /^ {2}ipv6\s+offline\s+30s ago/);
    assert.match(lines[at('isp2') + 1], /^ {2}ipv6\s+online \(shared\)/);
    assert.doesNotMatch(lines[at('isp3') + 1] ?? '', /ipv6/, 'a WAN without IPv6 has no ipv6 row');
    assert.ok(lines.includes('  isp1 (IPv6): no answer from 1 target in 4 rounds'));
    assert.ok(!lines.some((l) => /^ {2}isp1: /.test(l)), 'IPv4 is in service: no IPv4 reason');
    for (const l of lines) assert.ok(l.length <= STATUS_WIDTH, l);
  });

  it("the ipv6 row shows IPv6's own RTT and loss, '-' under shared fate; IPv6 targets are listed with -v", () => {
    const lines = formatStatus(report, now).split('\n');
    const at = (name: string) => lines.findIndex((l) => l.startsWith(name));
    assert.match(lines[at('isp3') + 1] ?? '', /^$|^\S/, 'no ipv6 row for isp3');
    const six = lines[at('isp1') + 1];
    assert.match(six, /^ {2}ipv6\s+offline\s+30s ago\s+12 ms\s+25%/);
    assert.match(lines[at('isp2') + 1], /^ {2}ipv6\s+online \(shared\)\s+30s ago\s+-\s+-/);
    const verbose = formatStatus(report, now, { verbose: true }).split('\n');
    assert.match(verbose.find((l) => l.startsWith('  ipv6') && l.includes('offline'))!, /30s ago\s+12 ms\s+25%/);
    assert.ok(verbose.includes('  isp1 (IPv6): icmp 2001:db8::10 12.4 ms'), verbose.join('\n'));
  });

  it('-v: the ipv6 row has the IPv6 address in the address column', () => {
    const lines = formatStatus(report, now, { verbose: true }).split('\n');
    const row = lines.find((l) => l.startsWith('  ipv6') && l.includes('offline'))!;
    assert.match(row, /offline\s+isp1-dev\s+2001:db8:1::2\s+-/);
  });

  it('--json: ipv6 from the registry, with shared fate when the WAN probes no IPv6 target', () => {
    const loaded = parseConfig({
      wans: [
        { name: 'isp1', device: 'wan1', probes: [{ target: '[2001:db8::10]:443', method: 'tcp' }] },
        { name: 'isp2', device: 'wan2', probes: [{ target: '192.0.2.1' }] },
      ],
      lan: [{ device: 'lan0' }],
    });
    const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus(), [], now);
    const v6 = (name: string, address: string) =>
      link(name, '100.64.1.2', 30, { addresses6: [{ address, prefixLength: 64 }] });
    registry.observe({ links: [v6('wan1', '2001:db8:1::2'), v6('wan2', '2001:db8:2::2')], defaults: [] }, now);
    const [one, two] = registry.wans.map(ipv6Status);
    assert.deepEqual(
      [one.family, one.state, one.address, one.sharedFate, one.since],
      ['ipv6', 'online', '2001:db8:1::2', false, new Date(now).toISOString()],
    );
    assert.equal(two.sharedFate, true);
    assert.deepEqual([one.rttMs, one.lossPct, one.targets], [null, null, []], 'no IPv6 round yet');
    const targets = [{ target: '2001:db8::10', method: 'tcp', ok: true, rttMs: 8 }];
    registry.setHealth(
      'isp1',
      { health: 'online', reason: '1/1', rttMs: 8, lossPct: 0, targets, family: 'ipv6' },
      now + 100,
    );
    const after = ipv6Status(registry.get('isp1'));
    assert.deepEqual([after.rttMs, after.lossPct, after.targets], [8, 0, targets]);
    assert.equal(registry.get('isp1').figures.rttMs, null, "IPv4's figures untouched");
  });
});
