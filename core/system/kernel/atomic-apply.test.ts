// Tests all-or-nothing applies with fake kernel steps: order, the failing ip line named, ip lines and sysctls rolled back.
import assert from 'node:assert/strict';
import { MwanError } from '../../errors.ts';
import type { ApplyPlan } from './adapter.ts';
import { applyAllOrNothing, describeIpFailure, type ApplySteps } from './atomic-apply.ts';
import type { RouteSpec, RuleSpec } from '../../reconcile/desired.ts';

const ownership = {
  routeProtocol: 249,
  priorityRange: [1000, 1100] as [number, number],
  tableRange: [1000, 1064] as [number, number],
};
const oldRoute: RouteSpec = { table: 1001, dst: 'default', via: '100.64.1.1', dev: 'wan1' };

/** A fake kernel: sysctls in a map, routes/rules as ip-batch lines would leave them, failures where asked. */
function fakeKernel(fail: { ipLine?: number; nft?: boolean; sysctl?: string } = {}) {
  const log: string[] = [];
  const sysctls: Record<string, string> = { 'net/ipv4/ip_forward': '0', 'net/ipv4/fib_multipath_hash_policy': '0' };
  let routes: RouteSpec[] = [oldRoute];
  let rules: RuleSpec[] = [];
  let batches = 0;
  const steps: ApplySteps = {
    readSysctls: async (keys) => Object.fromEntries(keys.map((k) => [k, sysctls[k] ?? null])),
    writeSysctl: async (k, v) => {
      if (fail.sysctl === k && v !== sysctls[k] && !log.includes(`restore ${k}`))
        throw new Error('EINVAL: invalid argument, write');
      log.push(`sysctl ${k}=${v}`);
      sysctls[k] = v;
    },
    ipBatch: async (lines) => {
      batches++;
      for (const [i, line] of lines.entries()) {
        if (fail.ipLine === i + 1 && batches === 1) {
          throw new MwanError(
            'MWAN_KERNEL_COMMAND',
            `command failed (exit 1): ip -batch -\nError: Nexthop has invalid gateway.\nCommand failed -:${i + 1}`,
          );
        }
        log.push(`ip ${line}`);
        if (line.startsWith('rule add')) rules = [...rules, { priority: 1000, table: 1001 }];
        if (line.startsWith('rule del')) rules = [];
        if (/^route replace default\b.*\btable 1001\b/.test(line))
          routes = [/via 100\.64\.1\.1/.test(line) ? oldRoute : { ...oldRoute, via: '100.64.1.5' }];
      }
    },
    nft: async (script) => {
      if (fail.nft)
        throw new MwanError(
          'MWAN_KERNEL_COMMAND',
          'command failed (exit 1): nft -f -\n/dev/stdin:2:1-5: Error: syntax error, unexpected junk',
        );
      log.push(`nft ${script.trim()}`);
    },
    readIp: async () => ({ routes: structuredClone(routes), rules: structuredClone(rules) }),
  };
  return { steps, log, sysctls, state: () => ({ routes, rules }) };
}

const plan = (): ApplyPlan => ({
  sysctl: [
    { key: 'net/ipv4/ip_forward', value: '1' },
    { key: 'net/ipv4/fib_multipath_hash_policy', value: '1' },
  ],
  ip: [
    'rule add priority 1000 lookup 1001 protocol 249',
    'route replace default table 1001 via 100.64.1.5 dev wan1 proto 249',
    'route replace 10.0.0.0/8 table 1001 via 192.0.2.9 dev wan1 proto 249',
  ],
  nft: 'table inet mwan {\n}\n',
  before: { routes: [oldRoute], rules: [], ownership },
});

describe('applyAllOrNothing', () => {
  it('runs sysctls, then the ip batch, then nft last', async () => {
    const k = fakeKernel();
    await applyAllOrNothing(plan(), k.steps);
    assert.deepEqual(
      k.log.map((l) => l.split(' ')[0]),
      ['sysctl', 'sysctl', 'ip', 'ip', 'ip', 'nft'],
    );
  });

  it('a failing ip line: the error names its number, text and reason; the lines before it and the sysctls are undone, nft never runs', async () => {
    const k = fakeKernel({ ipLine: 3 });
    await assert.rejects(applyAllOrNothing(plan(), k.steps), (e: Error) => {
      assert.match(
        e.message,
        /^ip -batch failed at line 3 of 3: "route replace 10\.0\.0\.0\/8 table 1001 via 192\.0\.2\.9 dev wan1 proto 249": Error: Nexthop has invalid gateway\.; rolled back: nothing of this apply stays \(2 ip lines undone, 2 sysctls restored\)$/,
      );
      return true;
    });
    assert.deepEqual(k.state(), { routes: [oldRoute], rules: [] });
    assert.deepEqual(k.sysctls, { 'net/ipv4/ip_forward': '0', 'net/ipv4/fib_multipath_hash_policy': '0' });
    assert.ok(!k.log.some((l) => l.startsWith('nft')));
  });

  it('a failing nft script after the ip batch: routes, rules and sysctls are put back', async () => {
    const k = fakeKernel({ nft: true });
    await assert.rejects(
      applyAllOrNothing(plan(), k.steps),
      /^MwanError: nft -f failed: \/dev\/stdin:2:1-5: Error: syntax error, unexpected junk; rolled back: nothing of this apply stays \(\d+ ip lines undone, 2 sysctls restored\)$/,
    );
    assert.deepEqual(k.state(), { routes: [oldRoute], rules: [] });
    assert.equal(k.sysctls['net/ipv4/ip_forward'], '0');
  });

  it('a failing sysctl: the ones written before it are restored, ip and nft never run', async () => {
    const k = fakeKernel({ sysctl: 'net/ipv4/fib_multipath_hash_policy' });
    await assert.rejects(
      applyAllOrNothing(plan(), k.steps),
      /sysctl net\/ipv4\/fib_multipath_hash_policy=1 failed: EINVAL: invalid argument, write; rolled back: nothing of this apply stays \(1 sysctl restored\)/,
    );
    assert.equal(k.sysctls['net/ipv4/ip_forward'], '0');
    assert.ok(!k.log.some((l) => l.startsWith('ip') || l.startsWith('nft')));
  });

  it('without the previous state, says the batch lines before the failing one stay', async () => {
    const k = fakeKernel({ ipLine: 2 });
    const p = { ...plan(), before: undefined, sysctl: [] };
    await assert.rejects(
      applyAllOrNothing(p, k.steps),
      /line 2 of 3: .*rolling back failed \(routes and rules: no previous state given/,
    );
  });

  it('describeIpFailure without a line number still gives the reason', () => {
    assert.equal(
      describeIpFailure(['x'], new Error('command failed (exit 1): ip -batch -\nError: no such device')),
      'ip -batch failed: Error: no such device',
    );
  });
});
