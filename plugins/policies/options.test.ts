// Tests the policies and rules configuration: defaults, errors naming the field, cross-checks.
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';
import { parseConfig } from '../../cli/config.ts';

const WANS = [
  { name: 'isp1', device: 'wan1', weight: 3 },
  { name: 'isp2', device: 'wan2', tier: 2 },
  { name: 'isp3', device: 'wan3', probes: [{ target: '192.0.2.1' }] },
];

function problems(extra: Record<string, unknown>, wans: unknown[] = WANS): string[] {
  try {
    parseConfig({ wans, ...extra });
  } catch (error) {
    assert.ok(error instanceof MwanError, String(error));
    return error.message.split('\n').slice(1);
  }
  assert.fail('expected the configuration to be rejected');
}

describe('policies and rules configuration', () => {
  it('defaults: no policies, no rules, whenNone main, persistence src for 600 s', () => {
    const { config } = parseConfig({ wans: WANS, policies: { p: { strategy: 'persistence', persistence: {} } } });
    assert.deepEqual(config.rules, []);
    assert.equal(config.defaultPolicy, undefined);
    assert.equal(config.policies.p.whenNone, 'main');
    assert.deepEqual(config.policies.p.persistence, { key: 'src', timeoutSeconds: 600 });
    assert.equal(config.policies.p.intervalMs, 1000);
  });

  it('accepts ports as a number, a range or a list, and keeps them as text', () => {
    const { config } = parseConfig({
      wans: WANS,
      rules: [
        { dport: 443, policy: 'default' },
        { sport: ['1000-2000', 53], proto: 'udp', policy: 'default' },
      ],
    });
    assert.deepEqual(config.rules[0].dport, ['443']);
    assert.deepEqual(config.rules[1].sport, ['1000-2000', '53']);
  });

  it('names the field of each malformed value', () => {
    const lines = problems({
      policies: { bad: { strategy: 'fastest' } },
      rules: [{ dport: '80-20', policy: 'default' }],
    });
    assert.match(lines[0], /^policies\.bad\.strategy: got "fastest"; expected one of weighted, priority, round-robin/);
    assert.match(lines[1], /^rules\[0\]\.dport: got "80-20"; expected a port 1-65535 or an ordered range/);
  });

  it('cross-checks members, strategies, rules and the default policy, naming the field', () => {
    const lines = problems({
      policies: {
        bad: { strategy: 'weighted', members: [{ wan: 'nope' }] },
        over: { strategy: 'overflow', members: [{ wan: 'isp1', capacityMbps: 10 }, { wan: 'isp2' }] },
        lat: { strategy: 'lowest-latency', members: [{ wan: 'isp1' }, { wan: 'isp3' }, { wan: 'isp3' }], overflow: {} },
      },
      rules: [
        { policy: 'nope' },
        { enforce: 'isp9' },
        {},
        { policy: 'default', proto: 'icmp', dport: 80 },
        { enforce: 'isp1', sticky: {} },
        { set: 'local_nets', policy: 'default' },
      ],
      defaultPolicy: 'nope',
    });
    const expected = [
      /^policies\.bad\.members\[0\]\.wan: got "nope"; no WAN is named so; WANs: isp1, isp2, isp3$/,
      /^policies\.over\.members\[1\]\.capacityMbps: got nothing; strategy overflow needs capacityMbps/,
      /^policies\.lat\.members\[0\]\.wan: got "isp1"; strategy lowest-latency needs health probes on WAN isp1/,
      /^policies\.lat\.members\[2\]\.wan: got "isp3"; this WAN is already a member/,
      /^policies\.lat\.overflow: .*only for strategy overflow/,
      /^defaultPolicy: got "nope"; no policy is named so; policies: default, bad, over, lat/,
      /^rules\[0\]\.policy: got "nope"; no policy is named so/,
      /^rules\[1\]\.enforce: got "isp9"; no WAN is named so; WANs: isp1, isp2, isp3/,
      /^rules\[2\]: .*a rule needs exactly one of policy .* or enforce/,
      /^rules\[3\]\.dport: .*ports need proto tcp or udp/,
      /^rules\[4\]\.sticky: .*sticky has no meaning there/,
      /^rules\[5\]\.set: got "local_nets"; this name is reserved/,
    ];
    for (const re of expected)
      assert.ok(
        lines.some((l) => re.test(l)),
        `${re} not in:\n${lines.join('\n')}`,
      );
    assert.equal(lines.length, expected.length, lines.join('\n'));
  });

  it('accepts nfqueue:<name> strategies with their queue and options; refuses malformed names, misplaced fields and sticky, naming the field', () => {
    const { config } = parseConfig({
      wans: WANS,
      policies: { q: { strategy: 'nfqueue:round-robin', nfqueue: { queue: 7 } } },
      defaultPolicy: 'q',
    });
    assert.deepEqual(config.policies.q.nfqueue, { queue: 7, options: {} });
    const lines = problems({
      policies: {
        a: { strategy: 'nfqueue:Bad_Name' },
        b: { strategy: 'weighted', nfqueue: {} },
        c: { strategy: 'nfqueue:x', nfqueue: { queue: 70000 } },
        d: { strategy: 'nfqueue:rr' },
      },
      rules: [{ dport: 80, policy: 'd', sticky: {} }],
    });
    const expected = [
      /^policies\.a\.strategy: got "nfqueue:Bad_Name"; expected nfqueue:<name>, the name a lower-case letter/,
      /^policies\.b\.nfqueue: .*only for nfqueue:<name> strategies/,
      /^policies\.c\.nfqueue\.queue: got 70000;/,
      /^rules\[0\]\.sticky: .*policy d decides in user space \(NFQUEUE\)/,
    ];
    for (const re of expected)
      assert.ok(
        lines.some((l) => re.test(l)),
        `${re} not in:\n${lines.join('\n')}`,
      );
    assert.equal(lines.length, expected.length, lines.join('\n'));
  });
});
