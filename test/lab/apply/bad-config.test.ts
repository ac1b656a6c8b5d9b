// Malformed configurations: `apply` and `daemon` refuse them, name the offending field, and leave the kernel untouched.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';

type Cfg = Record<string, unknown> & {
  wans: Record<string, unknown>[];
  lan: Record<string, unknown>[];
  kernel?: Record<string, unknown>;
};

interface Case {
  what: string;
  field: string;
  mention?: RegExp;
  edit(c: Cfg): void;
}

const cases: Case[] = [
  {
    what: 'an unknown field (typo "wieght")',
    field: 'wans[0]',
    mention: /wieght/,
    edit: (c) => {
      c.wans[0].wieght = 2;
    },
  },
  {
    what: 'weight -1',
    field: 'wans[1].weight',
    mention: /-1/,
    edit: (c) => {
      c.wans[1].weight = -1;
    },
  },
  {
    what: 'weight "heavy"',
    field: 'wans[2].weight',
    mention: /heavy/,
    edit: (c) => {
      c.wans[2].weight = 'heavy';
    },
  },
  {
    what: 'gateway 300.1.1.1',
    field: 'wans[0].gateway',
    mention: /300\.1\.1\.1/,
    edit: (c) => {
      c.wans[0].gateway = '300.1.1.1';
    },
  },
  {
    what: 'a device name with a slash',
    field: 'wans[2].device',
    mention: /wan\/3/,
    edit: (c) => {
      c.wans[2].device = 'wan/3';
    },
  },
  {
    what: 'duplicate WAN names',
    field: 'wans[1].name',
    mention: /duplicate/,
    edit: (c) => {
      c.wans[1].name = 'isp1';
    },
  },
  {
    what: 'a LAN device that is also a WAN device',
    field: 'lan[0].device',
    mention: /wan2/,
    edit: (c) => {
      c.lan[0].device = 'wan2';
    },
  },
  {
    what: 'mode "roundrobin"',
    field: 'mode',
    mention: /roundrobin/,
    edit: (c) => {
      c.mode = 'roundrobin';
    },
  },
  {
    what: 'no WANs at all',
    field: 'wans',
    mention: /at least one WAN/,
    edit: (c) => {
      c.wans = [];
    },
  },
  {
    what: 'a non-contiguous markMask 0xf0f0',
    field: 'kernel.markMask',
    mention: /61680/,
    edit: (c) => {
      c.kernel = { markMask: 0xf0f0 };
    },
  },
  {
    what: 'tableBase 200 (its range covers tables 253-255)',
    field: 'kernel.tableBase',
    mention: /253/,
    edit: (c) => {
      c.kernel = { tableBase: 200 };
    },
  },
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('mwan lab: malformed configurations are refused', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let pristine = '';

  before(async function () {
    await skipWithoutLab(this, 'bad-config');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
    pristine = await settledSnapshot(lab);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  for (const c of cases) {
    it(`refuses ${c.what}, naming ${c.field}`, async () => {
      const l = lab!;
      const m = mwan!;
      const cfg = labConfig(l, m.dir) as Cfg;
      c.edit(cfg);
      m.writeConfig(cfg);
      const [apply, daemon] = await Promise.all([m.ctl(['apply']), m.ctl(['daemon'], { timeout: 15000 })]);
      // The field path starts a line of the message or follows a space: `wans[1].weight: got -1; ...`.
      const names = new RegExp(`(^|\\s)${escape(c.field)}:`, 'm');
      for (const [cmd, r] of [
        ['apply', apply],
        ['daemon', daemon],
      ] as const) {
        const detail = `mwanctl ${cmd}: exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
        assert.equal(r.exitCode, 2, `expected the configuration error exit code 2; ${detail}`);
        assert.match(r.stderr, names, `stderr should name ${c.field}; ${detail}`);
        if (c.mention) assert.match(r.stderr, c.mention, detail);
      }
      assert.equal(await routerSnapshot(l), pristine, 'the kernel state changed');
    });
  }
});
