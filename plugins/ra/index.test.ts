// Tests the RA plugin: radvd.conf per LAN and WAN prefix (deprecated out of service), supervision, SIGHUP on change, checks.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../../core/bus.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import type { PluginContext, WanView, WorldView } from '../../plugin-api/types.ts';
import { link, worldFrom } from '../testing.ts';
import ra, { radvdConf, raPaths, raPlan, radvdSpec } from './index.ts';
import { RA_DEFAULTS, raSchema } from '../../config/schema/ipv6-ra.ts';
import { parseConfig } from '../../cli/config.ts';
import type { MwanConfig } from '../../plugin-api/index.ts';

const BASE = worldFrom(
  {
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2' },
    ],
    lan: [{ device: 'lan0' }],
  },
  {
    links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
    defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  },
);

/** The world with an `ipv6` section and each WAN's IPv6 side (`up`: in service for IPv6), as the merged core will give it. */
function world(ipv6: Record<string, unknown> | undefined, up: boolean[] = [true, true]): WorldView {
  const wans: WanView[] = BASE.wans.map((w, i) => ({
    ...w,
    ipv6: {
      gateway: 'fe80::1',
      delegated: `2001:db8:${i + 1}:100::/56`,
      lanPrefix: `2001:db8:${i + 1}:100::/64`,
      state: up[i] ? 'online' : 'offline',
      reason: up[i] ? 'probes answer' : 'probes lost',
      inService: up[i],
      routable: true,
    },
  }));
  return { ...BASE, config: { ...BASE.config, ...(ipv6 ? { ipv6 } : {}) } as MwanConfig, wans, active: wans };
}
const PREFIXES = { mode: 'prefixes', lan: [{ device: 'lan0' }], ra: RA_DEFAULTS };

describe('ra plugin: what radvd is told', () => {
  it('advertises nothing outside prefixes mode or with ra.daemon none', () => {
    assert.equal(raPlan(world(undefined)), null);
    assert.equal(raPlan(world({ ...PREFIXES, mode: 'npt' })), null);
    assert.equal(raPlan(world({ ...PREFIXES, ra: { ...RA_DEFAULTS, daemon: 'none' } })), null);
  });

  it('one interface per LAN, one prefix per WAN: normal lifetimes in service, preferred 0 out of service', () => {
    const plan = raPlan(world(PREFIXES, [true, false]))!;
    assert.deepEqual(plan.interfaces, [
      {
        device: 'lan0',
        prefixes: [
          { prefix: '2001:db8:1:100::/64', wan: 'isp1', preferredLifetime: 14400, validLifetime: 86400 },
          { prefix: '2001:db8:2:100::/64', wan: 'isp2', preferredLifetime: 0, validLifetime: 86400 },
        ],
      },
    ]);
  });

  it('renders radvd.conf with the prefixes, deprecation and RDNSS, and radvd accepts it', async () => {
    const text = radvdConf(
      raPlan(world({ ...PREFIXES, ra: { ...RA_DEFAULTS, rdnss: ['fd00:77::1'] } }, [false, true]))!,
    );
    assert.match(
      text,
      /^interface lan0 \{\n {2}AdvSendAdvert on;\n {2}MinRtrAdvInterval 10;\n {2}MaxRtrAdvInterval 30;/m,
    );
    assert.match(text, /prefix 2001:db8:1:100::\/64 \{[^}]*deprecated\n[^}]*AdvPreferredLifetime 0;/);
    assert.match(text, /prefix 2001:db8:2:100::\/64 \{[^}]*AdvPreferredLifetime 14400;/);
    assert.match(text, /RDNSS fd00:77::1 \{\};/);
    const radvd = '/usr/sbin/radvd';
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-ra-'));
    try {
      const file = path.join(dir, 'radvd.conf');
      await writeFile(file, text);
      await chmod(file, 0o600);
      const r = await execa(radvd, ['--configtest', '--config', file], { reject: false });
      if (r.failed && /ENOENT/.test(String(r.message))) {
        console.log('ra: the radvd syntax check skipped: /usr/sbin/radvd is missing (apt-get install radvd)');
        return;
      }
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ra plugin: configuration checks', () => {
  const wans = (...lanPrefixes: string[]) =>
    lanPrefixes.map((p, i) => ({
      name: `isp${i + 1}`,
      device: `wan${i + 1}`,
      address: `100.64.${i + 1}.2/30`,
      gateway: `100.64.${i + 1}.1`,
      ipv6: { lanPrefix: p },
    }));
  const lan = [{ device: 'lan0', addresses: ['10.0.0.1/24'] }];
  /** The fields the loaded configuration refuses (plugins' checks included), or [] when it loads. */
  const refused = (cfg: Record<string, unknown>): string[] => {
    try {
      parseConfig(cfg);
      return [];
    } catch (error) {
      return String((error as Error).message)
        .split('\n')
        .slice(1)
        .map((l) => l.split(':')[0]);
    }
  };
  const v6 = (extra: Record<string, unknown> = {}) => ({ mode: 'prefixes', ...extra });

  it('no two WANs advertise the same prefix; the field is named', () => {
    assert.deepEqual(refused({ wans: wans('2001:db8:1:100::/64', '2001:db8:2:100::/64'), lan, ipv6: v6() }), []);
    assert.deepEqual(refused({ wans: wans('2001:db8:1:100::/64', '2001:DB8:1:100:0::/64'), lan, ipv6: v6() }), [
      'wans[1].ipv6.lanPrefix',
    ]);
    assert.deepEqual(refused({ wans: wans('2001:db8:1:100::/56'), lan, ipv6: v6() }), ['wans[0].ipv6.lanPrefix']);
  });

  it('several LANs in prefixes mode are listed in ipv6.lan (one LAN alone needs no subnet)', () => {
    const two = [...lan, { device: 'lan1', addresses: ['10.1.0.1/24'] }];
    assert.deepEqual(refused({ wans: wans('2001:db8:1:100::/64'), lan: two, ipv6: v6() }), ['lan']);
    assert.deepEqual(
      refused({
        wans: wans('2001:db8:1:100::/64'),
        lan: two,
        ipv6: v6({ lan: [{ device: 'lan1', prefix: 'fd00:1::/64' }] }),
      }),
      [],
    );
  });

  it('ra fields: RDNSS addresses, lifetimes and intervals are checked, naming the field', () => {
    const r = raSchema.safeParse({ rdnss: ['10.0.0.1'], maxIntervalSeconds: 2, preferredLifetimeSeconds: 90000 });
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues.map((i) => i.path.join('.')).sort(), [
      'maxIntervalSeconds',
      'preferredLifetimeSeconds',
      'rdnss.0',
    ]);
    assert.match(r.error.issues.find((i) => i.path[0] === 'rdnss')!.message, /IPv4/);
    assert.deepEqual(
      refused({ wans: wans('2001:db8:1:100::/64'), lan, ipv6: v6({ ra: { rdnss: ['ff02::1'], daemon: 'odhcpd' } }) }),
      ['ipv6.ra.daemon', 'ipv6.ra.rdnss[0]'],
    );
    assert.ok(!raSchema.safeParse({ binary: 'radvd; reboot' }).success);
  });
});

describe('ra plugin: supervising radvd', () => {
  let bus: EventBus;
  let system: MemorySystem;
  let current: WorldView;

  function context(w: WorldView): PluginContext {
    current = w;
    return {
      name: 'ra',
      config: { ...w.config, stateDir: '/var/lib/mwan-test' },
      options: {},
      log: pino({ level: 'silent' }),
      bus,
      world: () => current,
      requestReconcile: () => undefined,
      reportHealth: () => undefined,
      system: {
        ...system,
        supervise: system.supervise,
        files: system.files,
        deleteConnections: async () => 0,
      } as unknown as PluginContext['system'],
    };
  }
  const reconciled = async () => {
    await bus.dispatch('reconcile.done', { reason: 'test', ms: 1, changed: true } as never);
    await new Promise((r) => setTimeout(r, 10));
  };

  beforeEach(() => {
    bus = new EventBus();
    system = new MemorySystem();
  });

  it('starts nothing outside prefixes mode or with ra.daemon none', async () => {
    for (const v6 of [undefined, { ...PREFIXES, ra: { ...RA_DEFAULTS, daemon: 'none' } }]) {
      const dispose = await ra.setup!(context(world(v6)));
      assert.equal(dispose, undefined);
    }
    assert.deepEqual(system.processes, []);
  });

  it('writes radvd.conf, starts radvd with its own pid file, SIGHUPs it on a change only, stops it at teardown', async () => {
    const dispose = await ra.setup!(context(world(PREFIXES)));
    const paths = raPaths('/var/lib/mwan-test');
    assert.equal(system.processes.length, 1);
    const run = system.processes[0];
    assert.deepEqual(run.spec.argv, radvdSpec(RA_DEFAULTS, paths).argv);
    assert.ok(run.spec.argv.includes(paths.pid) && run.spec.argv.includes(paths.config));
    assert.match(
      system.files.files.get(paths.config)!.content,
      /AdvPreferredLifetime 14400;\n[^}]*\n[^}]*\n {2}\};\n {2}prefix 2001:db8:2/,
    );
    await reconciled();
    assert.deepEqual(run.signals, [], 'nothing changed: no SIGHUP');
    current = world(PREFIXES, [false, true]);
    await reconciled();
    assert.deepEqual(run.signals, ['SIGHUP']);
    assert.match(system.files.files.get(paths.config)!.content, /2001:db8:1:100::\/64 \{[^}]*AdvPreferredLifetime 0;/);
    current = world(PREFIXES, [true, true]);
    await reconciled();
    assert.deepEqual(run.signals, ['SIGHUP', 'SIGHUP']);
    assert.doesNotMatch(system.files.files.get(paths.config)!.content, /AdvPreferredLifetime 0;/);
    await (dispose as () => Promise<void>)();
    assert.equal(run.stopped, true);
  });
});
