// The fast path for WAN state changes: it rewrites only what depends on the WAN (rule handles elsewhere stay), its result equals a full reconcile's, and another tool's state is untouched.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { balancedIds, layoutOf, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { sleep, waitFor } from '../../kit/time.ts';

describe('mwan lab: the fast path for WAN state changes', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'fast path');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab, (dir) =>
      labConfig(lab!, dir, {
        extra: {
          firewall: { enabled: true },
          forwards: [{ name: 'web', port: 8080, proto: 'tcp', to: '10.0.0.10:80' }],
          policies: {
            backup: {
              strategy: 'priority',
              members: [
                { wan: 'isp1', tier: 1 },
                { wan: 'isp3', tier: 2 },
              ],
            },
          },
          rules: [{ name: 'dns', proto: 'udp', dport: [53], policy: 'backup' }],
        },
      }),
    );
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  const run = async (argv: string[]) => (await lab!.exec(lab!.ns.router, argv)).stdout;
  /** Another tool's table, ip rule and route in the router namespace. */
  const otherTool = async () =>
    [
      await run(['nft', '-a', 'list', 'table', 'inet', 'othertool']),
      await run(['ip', 'rule', 'show', 'pref', '500']),
      await run(['ip', 'route', 'show', 'table', '77']),
    ].join('\n');
  /** mwan's table as rules with their handles: chain name → its rule lines. */
  const mwanChains = async (handles: boolean): Promise<Map<string, string>> => {
    const text = await run(['nft', '-s', ...(handles ? ['-a'] : []), 'list', 'table', 'inet', 'mwan']);
    const chains = new Map<string, string>();
    let current: string[] | undefined;
    for (const line of text.split('\n')) {
      const head = /^\tchain (\S+) \{/.exec(line);
      if (head) chains.set(head[1], '');
      if (head) current = [head[1]];
      else if (line === '\t}') current = undefined;
      else if (current) chains.set(current[0], `${chains.get(current[0])}${line}\n`);
    }
    for (const name of chains.keys()) if (name.startsWith('fingerprint_')) chains.delete(name);
    return chains;
  };
  /** Routes and rules mwan owns, and its table without handles: what a reconcile leaves. */
  const mwanState = async () => {
    const balance = layoutOf(mwan!).balanceTable;
    return JSON.stringify({
      chains: [...(await mwanChains(false))],
      route: await run(['ip', 'route', 'show', 'table', String(balance)]),
      rules: await run(['ip', 'rule', 'show']),
    });
  };

  it('carrier loss: only the chains that depend on the WAN are rewritten, and a full reconcile gives the same state', async () => {
    const l = lab!;
    await l.exec(l.ns.router, ['nft', '-f', '-'], {
      input:
        'table inet othertool {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tcounter\n\t}\n}\n',
    });
    await l.exec(l.ns.router, ['ip', 'rule', 'add', 'pref', '500', 'from', '10.250.0.0/24', 'lookup', '77']);
    await l.exec(l.ns.router, ['ip', 'route', 'add', 'unreachable', '10.251.0.0/24', 'table', '77']);
    const other = await otherTool();

    await mwan!.startDaemon();
    await waitFor(async () => (await balancedIds(l)).length === 3, 20000, 'all three WANs in the balance');
    const before = await mwanChains(true);
    await l.cutCarrier(2);
    await waitFor(async () => (await balancedIds(l)).length === 2, 20000, 'isp2 to leave the balance');
    await sleep(500); // the daemon's confirming read and anything it does after
    const after = await mwanChains(true);
    const rewritten = [...after].filter(([name, rules]) => before.get(name) !== rules).map(([name]) => name);
    assert.ok(rewritten.includes('balance'), `the balance chain changed: ${rewritten}`);
    assert.ok(
      rewritten.length < after.size / 2,
      `only the chains depending on isp2 were rewritten (rule handles kept elsewhere): ${rewritten.length} of ${after.size}: ${rewritten}`,
    );
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no chain appeared or went');
    const fast = await mwanState();

    // The safety net: a full reconcile (the table deleted, mwan repairs it from scratch) leaves the same state.
    await l.exec(l.ns.router, ['nft', 'delete', 'table', 'inet', 'mwan']);
    await waitFor(async () => (await balancedIds(l)).length === 2, 20000, 'the repaired table');
    await sleep(500);
    assert.equal(await mwanState(), fast, 'the fast path and a full reconcile leave the same kernel state');
    assert.equal(await otherTool(), other, "another tool's table, rule and route are untouched");

    await l.restoreCarrier(2);
    await waitFor(async () => (await balancedIds(l)).length === 3, 20000, 'isp2 to rejoin the balance');
    assert.equal(await otherTool(), other, "another tool's state is untouched after the return too");
  });
});
