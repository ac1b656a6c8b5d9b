// Hostile configurations: check, plan, apply and daemon refuse them alike (exit 2, the culprit field named), the kernel untouched.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';

type Cfg = Record<string, unknown> & { wans: Record<string, unknown>[]; lan: Record<string, unknown>[] };

/** `commands` beyond check and apply: plugin options are checked where the daemon builds its engine, so plan and daemon too. */
interface Case {
  what: string;
  field: string;
  mention?: RegExp;
  commands?: ('plan' | 'daemon')[];
  edit(c: Cfg): void;
}

/** The lab's LAN as the router has it (test/kit/lab/topology.ts), declared so that `check` can place forward targets. */
const LAN = [{ device: 'lan0', addresses: ['10.77.0.1/24'] }];
const forward =
  (to: string, extra: Record<string, unknown> = {}) =>
  (c: Cfg) => {
    c.lan = LAN;
    c.forwards = [{ port: 8080, to, ...extra }];
  };
const probes = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ method: 'tcp', target: '192.0.2.1', port: 1000 + i }));

const cases: Case[] = [
  { what: 'a forward to loopback', field: 'forwards[0].to', mention: /loopback/, edit: forward('127.0.0.1:22') },
  {
    what: 'a forward to a multicast group',
    field: 'forwards[0].to',
    mention: /multicast/,
    edit: forward('224.0.0.251'),
  },
  {
    what: 'a forward to the LAN broadcast address',
    field: 'forwards[0].to',
    mention: /broadcast address of 10\.77\.0\.0\/24/,
    edit: forward('10.77.0.255'),
  },
  {
    what: 'a forward to the limited broadcast address',
    field: 'forwards[0].to',
    mention: /limited broadcast/,
    edit: forward('255.255.255.255'),
  },
  { what: 'a forward to 0.0.0.0', field: 'forwards[0].to', mention: /0\.0\.0\.0\/8/, edit: forward('0.0.0.0') },
  {
    what: "a forward to the router's own LAN address (its SSH)",
    field: 'forwards[0].to',
    mention: /router itself/,
    edit: forward('10.77.0.1:22'),
  },
  {
    what: "a forward to the router's own WAN address, even with allowOutsideLan",
    field: 'forwards[0].to',
    mention: /router itself/,
    edit: (c) => {
      forward('100.64.2.2', { allowOutsideLan: true })(c);
      c.wans[1].address = '100.64.2.2/30';
    },
  },
  {
    what: 'a forward outside every LAN network',
    field: 'forwards[0].to',
    mention: /outside every LAN network \(10\.77\.0\.0\/24\).*allowOutsideLan/,
    edit: forward('192.0.2.50'),
  },
  {
    what: "a gateway outside the WAN's network",
    field: 'wans[0].gateway',
    mention: /outside 100\.64\.1\.0\/30/,
    edit: (c) => {
      c.wans[0].address = '100.64.1.2/30';
      c.wans[0].gateway = '100.64.7.1';
    },
  },
  {
    what: "the WAN network's broadcast address as gateway",
    field: 'wans[0].gateway',
    mention: /broadcast address of 100\.64\.1\.0\/30/,
    edit: (c) => {
      c.wans[0].address = '100.64.1.2/30';
      c.wans[0].gateway = '100.64.1.3';
    },
  },
  {
    what: 'a multicast gateway',
    field: 'wans[2].gateway',
    mention: /multicast/,
    edit: (c) => {
      c.wans[2].gateway = '239.0.0.1';
    },
  },
  {
    what: 'WAN device lo',
    field: 'wans[0].device',
    mention: /"lo" is reserved/,
    edit: (c) => {
      c.wans[0].device = 'lo';
    },
  },
  {
    what: 'WAN device default',
    field: 'wans[1].device',
    mention: /"default" is reserved/,
    edit: (c) => {
      c.wans[1].device = 'default';
    },
  },
  {
    what: 'LAN device all',
    field: 'lan[0].device',
    mention: /"all" is reserved/,
    edit: (c) => {
      c.lan = [{ device: 'all' }];
    },
  },
  {
    what: 'one device for two WANs',
    field: 'wans[2].device',
    mention: /duplicate WAN device: also used by wans\[1\]/,
    edit: (c) => {
      c.wans[2].device = 'wan2';
    },
  },
  {
    what: 'one LAN device listed twice',
    field: 'lan[1].device',
    mention: /duplicate LAN device/,
    edit: (c) => {
      c.lan = [{ device: 'lan0' }, { device: 'lan0' }];
    },
  },
  {
    what: '17 probes on one WAN',
    field: 'wans[0].probes',
    mention: /at most 16 probes per WAN/,
    edit: (c) => {
      c.wans[0].probes = probes(17);
    },
  },
  {
    what: 'more WANs than the mark mask carries',
    field: 'wans',
    mention: /4 WANs do not fit the mark mask \(room for 3\)/,
    edit: (c) => {
      c.kernel = { markMask: 0x300 };
      c.wans.push({ name: 'isp4', device: 'wan4', gateway: '100.64.4.1' });
    },
  },
  {
    what: 'an unknown plugins key',
    field: 'plugins.upnpp',
    mention: /did you mean 'upnp'\?/,
    commands: ['plan', 'daemon'],
    edit: (c) => {
      c.plugins = { upnpp: { enabled: true } };
    },
  },
  {
    what: 'a misspelt plugin disabled with false',
    field: 'plugins.rp_filter',
    mention: /did you mean 'rp-filter'\?/,
    commands: ['plan'],
    edit: (c) => {
      c.plugins = { rp_filter: false };
    },
  },
  {
    what: 'a bad upnp option',
    field: 'plugins.upnp.minPort',
    mention: /got 0/,
    commands: ['plan', 'daemon'],
    edit: (c) => {
      c.plugins = { upnp: { enabled: true, minPort: 0 } };
    },
  },
  {
    what: 'a bad mail transport option',
    field: 'plugins.mail.transport.port',
    mention: /"smtp"/,
    commands: ['plan'],
    edit: (c) => {
      c.plugins = { mail: { to: 'ops@example.net', transport: { host: 'mail.example.net', port: 'smtp' } } };
    },
  },
  {
    what: 'an option for a plugin that takes none',
    field: 'plugins.health.intervalMs',
    mention: /takes no options/,
    commands: ['plan'],
    edit: (c) => {
      c.plugins = { health: { intervalMs: 50 } };
    },
  },
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Run = { command: string; exitCode: number; stdout: string; stderr: string };

/** Runs `jobs` at most `width` at a time (the machine is small and busy; each mwanctl start costs a second of CPU). */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

/** Each case in its own directory (config, state, lock): check and plan take no lock; apply and then the daemon do. */
async function refuse(lab: Lab, c: Case, mwans: Mwan[]): Promise<Run[]> {
  const m = mwanFor(lab);
  mwans.push(m);
  const cfg = labConfig(lab, m.dir) as Cfg;
  c.edit(cfg);
  m.writeConfig(cfg);
  const ctl = async (command: string) => ({ command, ...(await m.ctl([command], { timeout: 60000 })) });
  const runs = await Promise.all([ctl('check'), ...(c.commands?.includes('plan') ? [ctl('plan')] : []), ctl('apply')]);
  if (c.commands?.includes('daemon')) runs.push(await ctl('daemon'));
  return runs;
}

describe('hostile configurations: refused by check, plan, apply and daemon alike, kernel untouched', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  const mwans: Mwan[] = [];
  let pristine = '';
  let afterAll = '';
  let results: Run[][] = [];

  before(async function () {
    await skipWithoutLab(this, 'hostile config');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
    pristine = await settledSnapshot(lab);
    results = await pool(
      cases.map((c) => () => refuse(lab!, c, mwans)),
      3,
    );
    afterAll = await routerSnapshot(lab);
  });

  after(async () => {
    try {
      for (const m of [...mwans, mwan]) await m?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  cases.forEach((c, k) => {
    it(`refuses ${c.what}, naming ${c.field}`, () => {
      const field = new RegExp(`(^|\\s)${escape(c.field)}:`, 'm');
      for (const r of results[k]) {
        const detail = `mwanctl ${r.command}: exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
        assert.equal(r.exitCode, 2, `expected the configuration error exit code 2; ${detail}`);
        assert.match(r.stderr, field, `stderr should name ${c.field}; ${detail}`);
        if (c.mention) assert.match(r.stderr, c.mention, detail);
      }
      assert.equal(afterAll, pristine, 'the kernel state changed');
    });
  });

  // Last: this one applies. Without declared LAN addresses `check` cannot place a target; the kernel's LAN network decides.
  it('at run time forwards only to hosts of the LAN network the router has, never outside it or to the router', async () => {
    const l = lab!;
    const m = mwan!;
    const cfg = labConfig(l, m.dir) as Cfg;
    cfg.forwards = [
      { port: 8080, to: l.addr.client },
      { port: 8081, to: '10.99.0.5' },
      { port: 8082, to: `${l.addr.routerLan}:22` },
    ];
    m.writeConfig(cfg);
    const checked = await m.ctl(['check']);
    assert.equal(checked.exitCode, 0, `check: ${checked.stderr}`);
    const applied = await m.ctl(['apply']);
    assert.equal(applied.exitCode, 0, `apply: ${applied.stderr}`);
    try {
      const ruleset = (await l.exec(l.ns.router, ['nft', 'list', 'chain', 'inet', 'mwan', 'forward_prerouting']))
        .stdout;
      assert.match(ruleset, new RegExp(`tcp dport 8080 dnat ip to ${escape(l.addr.client)}`));
      assert.doesNotMatch(ruleset, /10\.99\.0\.5|dport 8081/, 'a target outside the LAN network was forwarded');
      assert.doesNotMatch(ruleset, /dport 8082/, "the router's own address was forwarded to");
    } finally {
      await m.ctl(['stop']);
    }
  });
});
