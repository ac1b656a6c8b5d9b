// The HA peer channel in the lab: config hashes compared (status), sticky choices and NFQUEUE-decided flows kept across a takeover.
import assert from 'node:assert/strict';
import { otherRouter, useHaPair } from '../../kit/lab/ha-fixture.ts';
import { ROUTERS, type HaLab, type RouterName } from '../../kit/lab/ha-pair.ts';
import { startFlows } from '../../kit/lab/ha-traffic.ts';
import { waitFor } from '../../kit/time.ts';

/** Eight LAN sources with a sticky rule (round-robin spreads their first connections over both WANs). */
const STICKY = [101, 102, 103, 104, 105, 106, 107, 108].map((n) => `10.77.0.${n}`);
/** A source whose connections an NFQUEUE policy decides in user space. */
const QUEUED = '10.77.0.120';

const wans = (lab: HaLab, weight1 = 1) =>
  Array.from({ length: lab.wans }, (_, k) => k + 1).map((i) => ({
    name: `isp${i}`,
    device: `wan${i}`,
    gateway: lab.addr.ispGateway(i),
    ...(i === 1 && weight1 !== 1 ? { weight: weight1 } : {}),
  }));

const policiesAndRules = {
  policies: { spread: { strategy: 'round-robin' }, queued: { strategy: 'nfqueue:round-robin' } },
  rules: [
    { name: 'lan', src: STICKY.map((a) => `${a}/32`), policy: 'spread', sticky: { timeoutSeconds: 600 } },
    { name: 'nfq', src: [`${QUEUED}/32`], policy: 'queued' },
  ],
};

interface PeerLink {
  config: 'matches' | 'differs' | 'unreachable' | null;
  sections: string[];
  role: string | null;
}

describe('mwan lab: the HA peer channel (config hashes, sticky choices, NFQUEUE flows across a takeover)', function () {
  this.timeout(240000);
  const pair = useHaPair({
    suite: 'ha-peer',
    lab: { wans: 2 },
    async prepare(lab) {
      await lab.exec(lab.ns.client, [
        'sh',
        '-c',
        [...STICKY, QUEUED]
          .map((a) => `ip addr add ${a}/24 dev eth0 nodad 2>/dev/null || ip addr add ${a}/24 dev eth0`)
          .join(' && '),
      ]);
    },
    top: (lab) => ({ ...policiesAndRules, wans: wans(lab) }),
  });
  const { nodes } = pair;
  let lab: HaLab;
  let master: RouterName = 'r1';
  const other = otherRouter;

  before(() => {
    lab = pair.lab;
  });

  const peerLink = async (r: RouterName): Promise<PeerLink | null> => {
    const res = await nodes[r].ctl(['status', '--json'], 10000);
    if (res.exitCode !== 0) return null;
    return (JSON.parse(res.stdout) as { plugins?: { ha?: { peerLink?: PeerLink } } }).plugins?.ha?.peerLink ?? null;
  };
  const bothSay = async (config: PeerLink['config'], what: string) => {
    let last: unknown[] = [];
    try {
      await waitFor(
        async () => {
          const links = await Promise.all(ROUTERS.map(peerLink));
          last = links;
          return links.every((l) => l?.config === config);
        },
        // Generous: each read starts mwanctl (seconds on a loaded machine), and a reload restarts the engines.
        90000,
        what,
      );
    } catch (error) {
      const roles = await Promise.all(ROUTERS.map((r) => nodes[r].role()));
      throw new Error(`${(error as Error).message}; roles ${roles}; peer links ${JSON.stringify(last)}`);
    }
  };
  /** The ISP a new connection from `from` leaves by (the server reports the public address it saw). */
  const ispOf = async (from: string): Promise<number | undefined> => {
    const run = await startFlows(lab, { flows: 1, seconds: 1, from });
    const res = await run.result;
    return lab.ispForPublicAddress(res.flows[0]?.firstSource ?? '');
  };

  it('elects one master; both nodes say the configuration matches the peer', async () => {
    master = await pair.elected();
    await bothSay('matches', 'both nodes: config matches peer');
    const text = await nodes[master].ctl(['status']);
    assert.match(text.stdout, /peer channel: config matches peer; peer is backup/);
  });

  it('a changed weight on the backup: both say the configuration differs (in wans); restored, it matches again', async () => {
    const backup = other(master);
    nodes[backup].writeConfig({ ...policiesAndRules, wans: wans(lab, 3) });
    const applied = await nodes[backup].ctl(['apply'], 60000);
    assert.equal(applied.exitCode, 0, applied.stderr);
    await bothSay('differs', 'both nodes: config differs');
    const link = await peerLink(master);
    assert.deepEqual(link?.sections, ['wans']);
    const text = await nodes[master].ctl(['status']);
    assert.match(text.stdout, /peer channel: config differs from peer since \S+ \(sections: wans\)/);

    nodes[backup].writeConfig({ ...policiesAndRules, wans: wans(lab) });
    const restored = await nodes[backup].ctl(['apply'], 60000);
    assert.equal(restored.exitCode, 0, restored.stderr);
    await bothSay('matches', 'both nodes: config matches again');
    await waitFor(async () => (await nodes[backup].role()) === 'backup', 60000, `${backup} is backup again`);
    assert.equal(await nodes[master].role(), 'master', 'the master kept its role');
  });

  it('a power loss of the master: sticky sources keep their WAN for new connections, NFQUEUE-decided flows survive', async () => {
    const before = new Map<string, number | undefined>();
    for (const src of STICKY) before.set(src, await ispOf(src));
    const used = new Set(before.values());
    assert.ok(!used.has(undefined), `every sticky source reached the server through an ISP: ${[...before]}`);
    assert.equal(used.size, 2, 'the sticky sources use both WANs (round-robin), so a fresh choice could differ');

    // The backup holds a copy of the master's remembered choices (the master's sets, copied over the peer channel).
    const backupNs = lab.ns.router(other(master));
    await waitFor(
      async () => {
        const nft = (await lab.exec(backupNs, ['nft', 'list', 'table', 'inet', 'mwan'])).stdout;
        return STICKY.every((a) => nft.includes(a));
      },
      20000,
      'every sticky source in the backup’s sets',
    );

    const queued = await startFlows(lab, { flows: 5, seconds: 14, from: QUEUED });
    await new Promise((r) => setTimeout(r, 3000));
    const old = master;
    await lab.powerOff(old);
    master = other(old);
    await waitFor(async () => (await nodes[master].role()) === 'master', 45000, `${master} becomes master`);

    // New connections, in an order a fresh round-robin could not match (1 and 4 would share a WAN, yet they differ).
    const order = [0, 1, 3, 2, 4, 5, 7, 6].map((k) => STICKY[k]!);
    const after = new Map<string, number | undefined>();
    for (const src of order) after.set(src, await ispOf(src));
    assert.deepEqual(
      STICKY.map((s) => [s, after.get(s)]),
      STICKY.map((s) => [s, before.get(s)]),
      'each sticky source leaves by the WAN it used before the takeover',
    );

    const q = await queued.result;
    assert.deepEqual(
      q.flows.filter((f) => f.closed !== null),
      [],
      'every NFQUEUE-decided flow survives',
    );
    for (const f of q.flows) assert.equal(f.lastSource, f.firstSource, 'the server sees the same public address');
  });
});
