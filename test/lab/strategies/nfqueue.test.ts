// NFQUEUE policies in the lab, through a config file and the real daemon: round robin alternates, least connections evens out, SIGKILL loses nothing, stop removes the queue rules.
import assert from 'node:assert/strict';
import { burst } from '../../kit/lab/traffic.ts';
import type { ManagedProcess } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { holdConnections, startStrategyLab, tally, type StrategyLab } from '../../kit/lab/strategies.ts';
import { waitFor } from '../../kit/time.ts';

/** Connections to server2 use round robin; to server:8080 are pinned to isp1; the rest (server:80) least connections. */
const policiesFor = (server: string, server2: string) => ({
  policies: {
    // Weights the kernel's pre-choice follows (exactly: 15/10/5 of 30) and round robin ignores (10/10/10), so the
    // counts show whose decision was counted.
    rr: {
      strategy: 'nfqueue:round-robin',
      members: [
        { wan: 'isp1', weight: 3 },
        { wan: 'isp2', weight: 2 },
        { wan: 'isp3', weight: 1 },
      ],
    },
    fewest: { strategy: 'nfqueue:least-connections' },
    pin1: { strategy: 'priority', members: [{ wan: 'isp1' }] },
  },
  rules: [
    { name: 'rr', dst: [`${server2}/32`], policy: 'rr' },
    { name: 'pinned', dst: [`${server}/32`], proto: 'tcp', dport: 8080, policy: 'pin1' },
  ],
  defaultPolicy: 'fewest',
});

describe('mwan lab: NFQUEUE policies (nfqueue:<name>)', function () {
  this.timeout(120000);
  let s: StrategyLab | undefined;
  const holders: ManagedProcess[] = [];

  before(async function () {
    await skipWithoutLab(this, 'strategies-nfqueue');
    // The lab's addresses are fixed (lab.md): server 203.0.113.10, server2 203.0.113.11.
    s = await startStrategyLab(policiesFor('203.0.113.10', '203.0.113.11'));
    assert.equal(s.lab.addr.server, '203.0.113.10');
    assert.equal(s.lab.addr.server2, '203.0.113.11');
  });
  after(async () => {
    for (const h of holders) await h.kill();
    await s?.stop();
  });

  const nat = async (chain: string) =>
    (await s!.lab.exec(s!.lab.ns.router, ['iptables', '-w', '-t', 'nat', '-S', chain], { reject: false })).stdout;
  /** Packets the queue rules have sent to user space so far (both policies). */
  const queued = async () => {
    const r = await s!.lab.exec(s!.lab.ns.router, ['iptables', '-w', '-t', 'nat', '-L', 'MWAN_NFQ', '-nvx']);
    return r.stdout
      .split('\n')
      .filter((l) => l.includes('NFQUEUE'))
      .reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
  };

  it('the daemon installs one queue rule per policy, each matching its tag, with the bypass', async () => {
    const chain = await nat('MWAN_NFQ');
    const rules = chain.split('\n').filter((l) => l.includes('NFQUEUE'));
    console.log(`      ${rules.join('\n      ')}`);
    assert.equal(rules.length, 2, chain);
    for (const r of rules) assert.match(r, /--mark 0x[0-9a-f]+\/0x7f000000 .*--queue-num 20\d\d --queue-bypass/);
    assert.equal((await nat('PREROUTING')).split('\n').filter((l) => l.includes('mwan-nfqueue')).length, 1);
  });

  /** New connections per WAN (isp1..3) as mwan's counters have them. */
  const counted = async () => (await statusOf(s!.mwan)).wans.map((w) => w.newConnections);

  it('nfqueue:round-robin: 30 sequential connections alternate over the three WANs, counted as decided; a WAN taken down leaves the turn at once', async () => {
    const { lab, mwan } = s!;
    const before = await queued();
    const counts0 = await counted();
    const r = await burst(lab, lab.ns.client, { count: 30, concurrency: 1, to: lab.addr.server2 });
    const counts = (await counted()).map((n, i) => n - counts0[i]);
    console.log(
      `      order: ${r.ispOrder.join('')}; ${(await queued()) - before} packets queued; counted per WAN ${counts.join('/')}`,
    );
    assert.deepEqual(
      counts,
      [10, 10, 10],
      "status counts the decisions, not the kernel's weighted pre-choice (15/10/5)",
    );
    assert.equal(r.ok, 30, JSON.stringify(r));
    assert.deepEqual(r.byIsp.slice(1), [10, 10, 10]);
    for (let k = 1; k < r.ispOrder.length; k++)
      assert.notEqual(
        r.ispOrder[k],
        r.ispOrder[k - 1],
        `connections ${k - 1} and ${k} used the same WAN: ${r.ispOrder.join('')}`,
      );
    for (let k = 3; k < r.ispOrder.length; k++)
      assert.equal(r.ispOrder[k], r.ispOrder[k - 3], `the cycle repeats: ${r.ispOrder.join('')}`);
    assert.equal((await queued()) - before, 30, 'exactly the first packet of each connection went to user space');

    await ctlOk(mwan, ['wan', 'down', 'isp2']);
    try {
      const without = await burst(lab, lab.ns.client, { count: 20, concurrency: 1, to: lab.addr.server2 });
      console.log(`      isp2 down: order ${without.ispOrder.join('')}`);
      assert.deepEqual(without.byIsp.slice(1), [10, 0, 10]);
      for (let k = 1; k < without.ispOrder.length; k++)
        assert.notEqual(without.ispOrder[k], without.ispOrder[k - 1], without.ispOrder.join(''));
    } finally {
      await ctlOk(mwan, ['wan', 'up', 'isp2']);
    }
  });

  it('nfqueue:least-connections: with 12 held on isp1, 24 new long-lived connections go to isp2 and isp3 until the counts are even', async () => {
    const { lab } = s!;
    const pinned = await holdConnections(lab, { port: 8080, count: 12, intervalMs: 20 });
    holders.push(pinned.proc);
    assert.deepEqual(tally(pinned.isps), [12, 0, 0]);
    const fresh = await holdConnections(lab, { port: 80, count: 24, intervalMs: 50 });
    holders.push(fresh.proc);
    const [a, b, c] = tally(fresh.isps);
    const totals = [12 + a, b, c];
    console.log(
      `      24 new: ${JSON.stringify([a, b, c])} (order ${fresh.isps.join('')}); open per WAN ${JSON.stringify(totals)}`,
    );
    assert.ok(a <= 1, `isp1 already had 12: it gets (almost) none of the new ones: ${JSON.stringify([a, b, c])}`);
    assert.ok(Math.abs(b - c) <= 2, `isp2 and isp3 share them evenly: ${JSON.stringify([a, b, c])}`);
    // Three more: one per WAN, now that the counts are even.
    const more = await holdConnections(lab, { port: 80, count: 3, intervalMs: 50 });
    holders.push(more.proc);
    console.log(`      3 more: ${more.isps.join('')}`);
    assert.deepEqual([...more.isps].sort(), [1, 2, 3]);
    for (const h of holders.splice(0)) await h.kill();
  });

  it('SIGKILL of the daemon in the middle of a burst loses no connection; the rules stay and pass new connections (fail open, fail static)', async () => {
    const { lab, mwan } = s!;
    const q0 = await queued();
    const running = burst(lab, lab.ns.client, { count: 400, concurrency: 8, to: lab.addr.server2, timeoutMs: 5000 });
    await waitFor(async () => (await queued()) - q0 >= 100, 20000, 'the daemon to decide 100 connections');
    const decidedBefore = (await queued()) - q0;
    process.kill(mwan.daemon!.pid!, 'SIGKILL');
    await mwan.daemon!.exited;
    const b = await running;
    console.log(
      `      ${b.ok} ok, ${b.failed} failed; ${decidedBefore} queued before the kill; by ISP ${b.byIsp.slice(1).join('/')} in ${b.ms} ms`,
    );
    assert.equal(b.failed, 0, `failed connections across the kill: ${b.failed}`);
    assert.ok(
      b.ok > decidedBefore + 50,
      `the burst went on after the kill (${b.ok} connections, ${decidedBefore} queued before it)`,
    );
    const after = await burst(lab, lab.ns.client, { count: 30, concurrency: 3, to: lab.addr.server2 });
    assert.equal(after.failed, 0);
    assert.equal(after.other, 0);
    assert.match(
      await nat('MWAN_NFQ'),
      /--queue-bypass/,
      'the queue rules are still there: the bypass let traffic through',
    );
    await mwan.startDaemon();
  });

  it('mwanctl stop removes the queue chains and the jump, nothing else; plan then lists the iptables commands and runs none', async () => {
    const { lab, mwan } = s!;
    const foreign = ['-p', 'udp', '--dport', '9', '-m', 'comment', '--comment', 'not-mwan', '-j', 'ACCEPT'];
    await lab.exec(lab.ns.router, ['iptables', '-w', '-t', 'nat', '-A', 'PREROUTING', ...foreign]);
    assert.match(await nat('PREROUTING'), /mwan-nfqueue/);
    await ctlOk(mwan, ['stop']);
    await mwan.daemon!.exited;
    const all = (await lab.exec(lab.ns.router, ['iptables', '-w', '-t', 'nat', '-S'])).stdout;
    console.log(`      nat after stop:\n        ${all.trim().split('\n').join('\n        ')}`);
    assert.doesNotMatch(all, /MWAN_NFQ|mwan-nfqueue/);
    assert.match(all, /--comment not-mwan -j ACCEPT/, 'the foreign rule stays');

    const plan = await ctlOk(mwan, ['plan']);
    const lines = plan.split('\n').filter((l) => l.startsWith('iptables '));
    console.log(`      plan: ${lines.length} iptables commands, e.g. ${lines.find((l) => l.includes('NFQUEUE'))}`);
    assert.ok(lines.includes('iptables -w -t nat -N MWAN_NFQ'), plan);
    assert.equal(lines.filter((l) => l.includes('-j NFQUEUE')).length, 2, plan);
    assert.doesNotMatch(
      (await lab.exec(lab.ns.router, ['iptables', '-w', '-t', 'nat', '-S'])).stdout,
      /MWAN_NFQ/,
      'plan ran nothing',
    );
  });

  it('an unknown strategy name is refused before anything runs, naming the field', async () => {
    const { lab } = s!;
    const bad = mwanFor(lab, (dir) =>
      labConfig(lab, dir, { extra: { policies: { q: { strategy: 'nfqueue:no-such' } }, defaultPolicy: 'q' } }),
    );
    try {
      const r = await bad.ctl(['plan']);
      assert.equal(r.exitCode, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(
        r.stderr,
        /policies\.q\.strategy: got "nfqueue:no-such"; no NFQUEUE strategy has that name \(registered: least-connections, round-robin\)/,
      );
    } finally {
      await bad.cleanup();
    }
  });
});
