// Tests when the kernel adapter reads IPv6: a configuration without IPv6 skips `ip -6` once mwan holds no IPv6 state.
import assert from 'node:assert/strict';
import { configUsesIpv6 } from './ipv6-reads.ts';
import { SystemKernel } from './system-adapter.ts';
import type { Runner } from '../process/runner.ts';
import type { KernelOwnership } from './adapter.ts';

const own: KernelOwnership = {
  routeProtocol: 249,
  priorityRange: [1000, 1999],
  tableRange: [200, 299],
  nftTable: 'mwan',
};
/** An IPv6 rule an earlier IPv6 configuration left (mwan's protocol and priority range). */
const LEFTOVER6 = JSON.stringify([{ priority: 1000, src: 'all', table: '201', protocol: '249', fwmark: '0x100' }]);

/** A fake `ip`/`nft` that records each command; `ip -6` reports `six.rules` as its rules. */
function fakeKernel() {
  const ran: string[] = [];
  inputs = [];
  const six = { rules: '[]' };
  const run: Runner = async (argv, opts = {}) => {
    ran.push(argv.join(' '));
    inputs.push(opts.input ?? '');
    const lines = (opts.input ?? '').split('\n').filter(Boolean);
    const v6 = argv.includes('-6');
    const stdout = argv.includes('-json')
      ? lines.map((l) => (v6 && l === 'rule show' ? six.rules : '[]')).join('\n')
      : '';
    return {
      exitCode: argv[0] === 'nft' ? 1 : 0,
      stdout,
      stderr: argv[0] === 'nft' ? 'No such file or directory' : '',
    };
  };
  return { kernel: new SystemKernel(run), ran, six };
}
/** `ip -6` reads of rules and routes (a snapshot without IPv6 in play still reads `ip -6 addr show`). */
let inputs: string[] = [];
const ip6Reads = (ran: string[]) =>
  ran.filter((c, i) => c.startsWith('ip -json -N -6') && inputs[i].includes('rule show')).length;

describe('IPv6 reads (issue 14)', () => {
  it('configUsesIpv6: no for an IPv4 configuration, yes for any IPv6 side, target, prefix or forward', () => {
    const v4 = {
      wans: [{ name: 'a', device: 'wan0', gateway: '192.0.2.1', probes: [{ method: 'icmp', target: '198.51.100.1' }] }],
      lan: [{ device: 'lan0' }],
      rules: [{ name: 'r', dst: ['198.51.100.0/24'], policy: 'web' }],
      observe: { listen: '127.0.0.1:9847' },
      control: { socket: '/run/mwan.sock' },
    };
    assert.equal(configUsesIpv6(v4), false);
    const withWan = structuredClone(v4) as { wans: Record<string, unknown>[] & { probes: unknown[] }[] };
    withWan.wans[0].ipv6 = { gateway: 'auto' };
    assert.equal(configUsesIpv6(withWan), true, 'a WAN with an ipv6 side');
    assert.equal(configUsesIpv6({ ...v4, ipv6: { lan: [] } }), true, 'an ipv6 section');
    const probe = structuredClone(v4) as { wans: Record<string, unknown>[] & { probes: unknown[] }[] };
    probe.wans[0].probes.push({ method: 'tcp', target: '[2001:db8::1]:443' });
    assert.equal(configUsesIpv6(probe), true, 'an IPv6 probe target');
    assert.equal(configUsesIpv6({ ...v4, rules: [{ name: 'r', dst: ['2001:db8::/32'] }] }), true, 'an IPv6 prefix');
    assert.equal(configUsesIpv6({ ...v4, forwards: [{ name: 'f', port: 80, to6: 'fd00::5' }] }), true, 'a to6 forward');
  });

  it('without IPv6 in play: reads IPv6 until it has seen no leftover, then not; an IPv6 apply reads again', async () => {
    const { kernel, ran, six } = fakeKernel();
    kernel.useIpv6(false);
    six.rules = LEFTOVER6;
    const first = await kernel.snapshot(own);
    assert.equal(ip6Reads(ran), 1, 'the first snapshot reads IPv6 (an earlier configuration may have left some)');
    assert.deepEqual(
      first.current.rules.map((r) => r.family),
      ['ipv6'],
      'the leftover is seen (the reconcile removes it)',
    );
    await kernel.read(own);
    assert.equal(ip6Reads(ran), 2, 'IPv6 is read again while mwan holds IPv6 state');
    six.rules = '[]'; // removed
    await kernel.snapshot(own);
    assert.equal(ip6Reads(ran), 3);
    const quiet = await kernel.snapshot(own);
    await kernel.read(own);
    assert.equal(ip6Reads(ran), 3, 'no IPv6 read once mwan is seen to hold none');
    assert.ok(
      ran.some((c) => c.startsWith('ip -json -N -4')),
      'IPv4 is still read',
    );
    assert.deepEqual(quiet.observed.ipv6, { addresses: [], defaults: [], delegated: [] }, 'an empty IPv6 side');
    assert.deepEqual(
      quiet.observed.links.map((l) => l.addresses6),
      [],
      'no links in this fake, and no error from the empty IPv6 side',
    );
    await kernel.apply({ nft: '', ip: [], ip6: ['rule del priority 1000'], sysctl: [] });
    await kernel.read(own);
    assert.equal(ip6Reads(ran), 4, 'an apply that ran ip -6 lines makes the next read look again');
    await kernel.read(own);
    assert.equal(ip6Reads(ran), 4);
  });

  it('with IPv6 in play, and before being told, every read includes IPv6', async () => {
    for (const told of [true, undefined]) {
      const { kernel, ran } = fakeKernel();
      if (told !== undefined) kernel.useIpv6(told);
      for (let i = 0; i < 3; i++) await kernel.snapshot(own);
      await kernel.read(own);
      assert.equal(ip6Reads(ran), 4, `told ${told}`);
    }
  });

  it('an apply whose target holds IPv6 routes puts IPv6 in play (a plugin may add IPv6 the configuration does not name)', async () => {
    const { kernel, ran } = fakeKernel();
    kernel.useIpv6(false);
    await kernel.snapshot(own);
    await kernel.snapshot(own);
    assert.equal(ip6Reads(ran), 1);
    const target = {
      routes: [{ table: 201, dst: 'default', dev: 'wan0', family: 'ipv6' as const }],
      rules: [],
      nft: { chains: [], sets: [], counters: [] },
      sysctls: [],
    };
    await kernel.apply({ nft: '', ip: [], ip6: ['route add default dev wan0 table 201'], sysctl: [], target });
    for (let i = 0; i < 3; i++) await kernel.snapshot(own);
    assert.equal(ip6Reads(ran), 4, 'read every time although the fake reports nothing');
  });
});
