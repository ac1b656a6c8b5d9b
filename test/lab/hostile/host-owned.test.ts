// Hostile: what the host owns stays the host's — mark bits, routing protocols named in rt_protos, table names, other tools' routes in mwan's tables.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, layoutOf, settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { markerState, worldOf } from '../../../plugins/policies/testing.ts';

const HOST_BITS = ~(0xff00 | 0x7f000000 | 0x80000000) >>> 0;

describe("hostile (host-owned): no rendered rule writes the host's packet-mark bits", () => {
  const configs: Record<string, Record<string, unknown>> = {
    'the default policy': {},
    persistence: { policies: { s: { strategy: 'persistence' } }, defaultPolicy: 's' },
    'a sticky rule and rules for the router': {
      rules: [
        { name: 'bank', dst: ['192.0.2.0/24'], policy: 'default', sticky: { timeoutSeconds: 60 } },
        { proto: 'tcp', dport: 8080, policy: 'default' },
      ],
    },
    'an NFQUEUE policy': { policies: { q: { strategy: 'nfqueue:round-robin' } }, rules: [{ dport: 80, policy: 'q' }] },
  };
  for (const [what, cfg] of Object.entries(configs)) {
    it(`${what}: every "meta mark set" keeps the bits outside markMask, the tag field and the done bit`, () => {
      const rules = markerState(worldOf(cfg, ['wan2'])).nft.chains.flatMap((c) =>
        c.rules.map((r) => ({ chain: c.name, r })),
      );
      const sets = rules.filter(({ r }) => r.includes('meta mark set'));
      assert.ok(sets.length > 0, 'the marker sets packet marks');
      for (const { chain, r } of sets) {
        const m = /meta mark set meta mark & (0x[0-9a-f]+)(?: \| (0x[0-9a-f]+))?(?: return)?$/.exec(r);
        assert.ok(m, `chain ${chain}: "${r}" writes the whole packet mark (the host's bits would be cleared)`);
        assert.equal((Number(m[1]) & HOST_BITS) >>> 0, HOST_BITS, `chain ${chain}: "${r}" clears host bits`);
      }
    });
  }
});

describe("hostile (host-owned): protocols, table names and other tools' routes", function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let etc = '';
  let baseline = '';

  const config = (extra: Record<string, unknown> = {}) => mwan!.writeConfig(labConfig(lab!, mwan!.dir, { extra }));
  const ip = (args: string[]) => lab!.exec(lab!.ns.router, ['ip', ...args]);

  /** A refused command: exit status, the culprit named, the router unchanged. */
  async function refused(args: string[], status: number, names: (string | RegExp)[]): Promise<void> {
    const before = await routerSnapshot(lab!);
    const r = await mwan!.ctl(args);
    assert.equal(
      r.exitCode,
      status,
      `mwanctl ${args.join(' ')} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
    for (const n of names)
      assert.ok(
        typeof n === 'string' ? r.stderr.includes(n) : n.test(r.stderr),
        `stderr does not name ${n}:\n${r.stderr}`,
      );
    assert.equal(await routerSnapshot(lab!), before, 'the router changed');
  }

  /** `mwanctl daemon` refuses: it exits on its own, naming the culprit, and the router is unchanged. */
  async function daemonRefused(names: (string | RegExp)[]): Promise<void> {
    const before = await routerSnapshot(lab!);
    const r = await mwan!.ctl(['daemon'], { timeout: 45000 });
    assert.equal(r.exitCode, 2, `the daemon did not exit on its own with status 2:\n${r.stdout}\n${r.stderr}`);
    for (const n of names)
      assert.ok(
        typeof n === 'string' ? r.stderr.includes(n) : n.test(r.stderr),
        `stderr does not name ${n}:\n${r.stderr}`,
      );
    assert.equal(await routerSnapshot(lab!), before, 'the router changed');
  }

  before(async function () {
    await skipWithoutLab(this, 'hostile host-owned');
    lab = await createLab({ wans: 2 });
    // `ip netns exec` bind-mounts /etc/netns/<ns>/iproute2 over /etc/iproute2: this namespace's own names.
    etc = join('/etc/netns', lab.ns.router, 'iproute2');
    mkdirSync(etc, { recursive: true });
    cpSync('/etc/iproute2', etc, { recursive: true });
    writeFileSync(
      join(etc, 'rt_protos'),
      '0\tunspec\n1\tredirect\n2\tkernel\n3\tboot\n4\tstatic\n12\tbird\n16\tdhcp\n186\tbgp\n',
    );
    mkdirSync(join(etc, 'rt_protos.d'), { recursive: true });
    mwan = mwanFor(lab);
    baseline = await settledSnapshot(lab);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      try {
        await lab?.teardown();
      } finally {
        if (lab) rmSync(join('/etc/netns', lab.ns.router), { recursive: true, force: true });
      }
    }
  });

  it('kernel.routeProtocol 0 (unspec) is refused by apply, naming the field', async () => {
    config({ kernel: { routeProtocol: 0 } });
    await refused(['apply'], 2, ['kernel.routeProtocol', "0-4 are the kernel's own protocols"]);
  });

  it('kernel.routeProtocol 3 (boot, what `ip route add` writes) is refused by apply', async () => {
    config({ kernel: { routeProtocol: 3 } });
    await refused(['apply'], 2, ['kernel.routeProtocol', 'got 3', "0-4 are the kernel's own protocols"]);
  });

  it('kernel.routeProtocol 12, named "bird" in rt_protos, is refused naming the file', async () => {
    config({ kernel: { routeProtocol: 12 } });
    await refused(['apply'], 2, ['kernel.routeProtocol: 12 is named "bird" in /etc/iproute2/rt_protos']);
  });

  it('the default 249, once an rt_protos.d/*.conf names it, is refused by apply and by the daemon', async () => {
    config();
    writeFileSync(join(etc, 'rt_protos.d', 'hostile.conf'), '# another routing daemon\n249\tfrr-static\n');
    try {
      await refused(['apply'], 2, [
        'kernel.routeProtocol: 249 is named "frr-static" in /etc/iproute2/rt_protos.d/hostile.conf',
      ]);
      await daemonRefused(['/etc/iproute2/rt_protos.d/hostile.conf']);
    } finally {
      rmSync(join(etc, 'rt_protos.d', 'hostile.conf'));
    }
  });

  it("rt_tables names for mwan's tables change nothing: a second apply is a no-op and stop restores the router", async () => {
    config();
    const layout = layoutOf(mwan!);
    const names = [
      `${layout.balanceTable}\tmwan-balance`,
      ...[...layout.wans].map(([name, w]) => `${w.table}\t${name}`),
    ];
    writeFileSync(join(etc, 'rt_tables'), `255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n${names.join('\n')}\n`);
    const named = await routerSnapshot(lab!);
    await ctlOk(mwan!, ['apply']);
    assert.match((await ip(['route', 'show', 'table', 'all'])).stdout, /table isp1/, 'the names are in use');
    assert.equal((await ctlOk(mwan!, ['apply', '--print'])).trim(), NOTHING_TO_DO);
    await ctlOk(mwan!, ['stop']);
    assert.equal(await routerSnapshot(lab!), named);
  });

  it("another tool's route in a WAN's table is refused by apply, naming the table (a number) and the route", async () => {
    config();
    const table = layoutOf(mwan!).wans.get('isp1')!.table;
    await ip([
      'route',
      'add',
      '192.0.2.0/24',
      'via',
      lab!.addr.ispGateway(1),
      'dev',
      'wan1',
      'table',
      String(table),
      'proto',
      'static',
    ]);
    try {
      await refused(['apply'], 2, [
        `routing table ${table} `,
        `"192.0.2.0/24 via ${lab!.addr.ispGateway(1)} dev wan1 table ${table} proto 4"`,
      ]);
      assert.match(
        (await ip(['route', 'show', 'table', String(table)])).stdout,
        /192\.0\.2\.0\/24/,
        'the route is still there',
      );
    } finally {
      await ip(['route', 'del', '192.0.2.0/24', 'table', String(table)]);
    }
  });

  it("another tool's default route in mwan's balance table is refused by the daemon at start", async () => {
    config();
    const table = layoutOf(mwan!).balanceTable;
    await ip([
      'route',
      'add',
      'default',
      'via',
      lab!.addr.ispGateway(2),
      'dev',
      'wan2',
      'table',
      String(table),
      'proto',
      'dhcp',
    ]);
    try {
      await daemonRefused([
        `routing table ${table} `,
        `"default via ${lab!.addr.ispGateway(2)} dev wan2 table ${table} proto 16"`,
      ]);
    } finally {
      await ip(['route', 'del', 'default', 'table', String(table)]);
    }
  });

  it("stop removes only mwan's routes: another tool's route added to mwan's table while it runs stays", async () => {
    config();
    await ctlOk(mwan!, ['apply']);
    const table = layoutOf(mwan!).wans.get('isp2')!.table;
    await ip([
      'route',
      'add',
      '198.51.100.0/24',
      'via',
      lab!.addr.ispGateway(2),
      'dev',
      'wan2',
      'table',
      String(table),
      'proto',
      'bgp',
    ]);
    await ctlOk(mwan!, ['stop']);
    assert.equal(
      (await ip(['-N', 'route', 'show', 'table', String(table)])).stdout.trim(),
      `198.51.100.0/24 via ${lab!.addr.ispGateway(2)} dev wan2 proto 186`,
    );
    await ip(['route', 'del', '198.51.100.0/24', 'table', String(table)]);
    rmSync(join(etc, 'rt_tables'));
    cpSync('/etc/iproute2/rt_tables', join(etc, 'rt_tables'));
    assert.equal(await routerSnapshot(lab!), baseline, 'mwan left something behind');
  });
});
