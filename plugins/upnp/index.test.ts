// Tests the upnp plugin with a fake supervisor and nft table: it follows the preferred WAN, forwards checked mappings, survives restarts.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../../core/bus.ts';
import { DesiredBuilder, type DesiredState } from '../../core/reconcile/desired.ts';
import type { ProcessEvents, ProcessSpec } from '../../core/system/process/supervise.ts';
import { systemFiles } from '../../core/system/files.ts';
import type { Disposer, PluginContext, WorldView } from '../../plugin-api/types.ts';
import { createUpnp } from './index.ts';
import { parseUpnpOptions, type UpnpOptions } from './options.ts';
import { PREROUTING_CHAIN } from './rules.ts';
import { loadedWith, miniupnpdRule, miniupnpdTable, network, worldOf } from './testing.ts';

interface Run {
  spec: ProcessSpec;
  events: ProcessEvents;
  stopped: boolean;
}

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('upnp plugin', () => {
  let dir: string;
  let bus: EventBus;
  let runs: Run[];
  let reconciles: string[];
  let logs: { msg: string; level: number }[];
  /** miniupnpd's table as the fake kernel lists it (null: it does not exist). */
  let table: ReturnType<typeof miniupnpdTable> | null;
  let world: WorldView;
  let dispose: Disposer | undefined;
  const plugin = createUpnp({ pollMs: 20 });
  const leases = () => path.join(dir, 'upnp', 'miniupnpd.leases');
  const accepted = () => path.join(dir, 'upnp', 'accepted.leases');
  const logged = (re: RegExp) => logs.some((l) => re.test(l.msg));

  async function start(
    options: Record<string, unknown>,
    mode: 'balanced' | 'failover' = 'failover',
  ): Promise<ReturnType<typeof loadedWith>> {
    const loaded = loadedWith({ mode, stateDir: dir, plugins: { upnp: options } });
    world = worldOf(loaded);
    const log = pino(
      { level: 'debug' },
      {
        write: (s: string) => {
          logs.push(JSON.parse(s));
        },
      },
    );
    const ctx: PluginContext<UpnpOptions> = {
      name: 'upnp',
      config: loaded.config,
      options: parseUpnpOptions(options, loaded.config), // as the host hands them over
      log,
      bus,
      world: () => world,
      requestReconcile: (r) => {
        reconciles.push(r);
      },
      reportHealth: () => undefined,
      system: {
        files: systemFiles,
        listNftTable: async (family, name) => {
          assert.equal(`${family} ${name}`, 'inet mwan_upnp');
          return table && structuredClone(table);
        },
        deleteConnections: async () => 0,
        startProbe: () => ({ stop: () => undefined }),
        runScript: async () => ({ exitCode: 0, signal: null, timedOut: false, ms: 0, stderr: '' }),
        supervise: (spec, events = {}) => {
          const run: Run = { spec, events, stopped: false };
          runs.push(run);
          events.started?.(1000 + runs.length);
          return {
            name: spec.name,
            pid: undefined,
            starts: 1,
            stop: async () => {
              // As the real supervisor: the exit is reported, then the after-commands delete miniupnpd's table.
              run.stopped = true;
              events.exited?.({ code: 0, signal: 'SIGTERM', ms: 5, restartInMs: null });
              table = null;
              await new Promise((r) => setTimeout(r, 30));
            },
          };
        },
      },
    };
    const result = await plugin.setup!(ctx);
    dispose = typeof result === 'function' ? result : undefined;
    return loaded;
  }

  const reconciled = () =>
    bus.emit('reconcile.done', { reason: 'test', changed: true, ms: 1, nftLines: 0, ipLines: 0, sysctls: 0 });
  const contribution = (): DesiredState => {
    const d = new DesiredBuilder().as('upnp');
    plugin.contribute!(d, world);
    return d.state;
  };
  const extIf = (r: Run) => /^ext_ifname=(.*)$/m.exec(r.spec.files![0].content)?.[1];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-upnp-'));
    bus = new EventBus();
    runs = [];
    reconciles = [];
    logs = [];
    table = null;
  });
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('is off unless enabled: no process, nothing in the kernel', async () => {
    await start({});
    reconciled();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(runs.length, 0);
    assert.equal(dispose, undefined);
    assert.deepEqual(contribution(), new DesiredBuilder().state);
  });

  it('starts miniupnpd on the preferred WAN after a reconcile, and restarts it on the next one when a failover changed it', async () => {
    const loaded = await start({ enabled: true, stun: { host: '192.0.2.10' } });
    assert.equal(runs.length, 0, 'not before the first reconcile: the WANs are not observed yet');
    reconciled();
    await until('a start', () => runs.length === 1);
    assert.equal(extIf(runs[0]), 'wan1');
    assert.ok(logged(/^UPnP: miniupnpd serves isp1 \(wan1\)$/));
    assert.deepEqual(contribution().rules, [
      {
        priority: loaded.layout.pluginPriorities[1],
        to: '192.0.2.10',
        iif: 'lo',
        table: world.wans[0].table,
        owner: 'upnp',
      },
    ]);

    reconciled();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(runs.length, 1, 'nothing changed: the instance keeps running');

    world = worldOf(loaded, network({ down: [1] }));
    assert.equal(contribution().rules[0].table, world.wans[1].table, 'STUN leaves by the new preferred WAN at once');
    reconciled();
    await until('a restart', () => runs.length === 2);
    assert.equal(runs[0].stopped, true);
    assert.equal(extIf(runs[1]), 'wan2');
    assert.ok(logged(/^UPnP: miniupnpd serves isp2 \(wan2\), was isp1$/));

    world = worldOf(loaded, network({ down: [1, 2, 3] }));
    reconciled();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(runs.length, 2, 'with no WAN in service it stays where it is');
    assert.deepEqual(contribution().rules, []);
  });

  it("forwards the mappings of miniupnpd's table on every UPnP WAN and asks for a reconcile when they change; lease text adds nothing", async () => {
    await start({ enabled: true, wans: ['isp2', 'isp3'] });
    reconciled();
    await until('a start', () => runs.length === 1);
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    assert.deepEqual(contribution().nft.chains, []);
    // A client put a newline into its description: the lease file holds a forged line, the table only the honest rule.
    await writeFile(leases(), 'TCP:9000:10.0.0.5:9000:0:x\nTCP:6000:10.0.0.3:22:0:injected\n');
    table = miniupnpdTable([miniupnpdRule(8, 'tcp', 9000, '10.0.0.5', 9000)]);
    await until('the mapping', () => reconciles.length === 1);
    assert.deepEqual(reconciles, ['1 UPnP mapping(s)']);
    assert.ok(logged(/^UPnP: 1 mapping, forwarded on isp2, isp3$/));
    const chain = contribution().nft.chains.find((c) => c.name === PREROUTING_CHAIN)!;
    assert.deepEqual(chain.base, { type: 'nat', hook: 'prerouting', priority: -99 });
    assert.deepEqual(
      chain.rules,
      [
        'iifname { "wan2", "wan3" } fib daddr type local tcp dport 9000 dnat ip to 10.0.0.5:9000',
        'iifname { "lan0", "lan1" } ip daddr { 100.64.2.2, 100.64.3.2 } tcp dport 9000 dnat ip to 10.0.0.5:9000',
      ],
      'the forged line is not forwarded',
    );
    table = miniupnpdTable([]);
    await until('no mapping', () => reconciles.length === 2);
    assert.deepEqual(contribution().nft.chains, []);
  });

  it("refuses a rule that breaks mwan's rules, logging it once (not at every read), and forwards the rest", async () => {
    await start({ enabled: true });
    reconciled();
    await until('a start', () => runs.length === 1);
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    table = miniupnpdTable([
      miniupnpdRule(8, 'tcp', 9000, '10.0.0.5', 9000),
      miniupnpdRule(9, 'tcp', 6000, '10.0.0.1', 22),
    ]);
    await until('the mapping', () => reconciles.length === 1);
    await new Promise((r) => setTimeout(r, 120)); // several polls
    const warnings = logs.filter((l) => /^UPnP: refused/.test(l.msg));
    assert.deepEqual(
      warnings.map((l) => [l.level, l.msg]),
      [[40, "UPnP: refused tcp 6000 → 10.0.0.1:22: internal address 10.0.0.1 is one of the router's own addresses"]],
    );
    assert.equal(
      contribution().nft.chains.find((c) => c.name === PREROUTING_CHAIN)!.rules.length,
      2,
      'only the honest mapping',
    );
  });

  it("writes the accepted leases (checked, sanitised) for miniupnpd's next start, only once it has restored its own", async () => {
    await mkdir(path.dirname(accepted()), { recursive: true });
    await writeFile(accepted(), 'TCP:9000:10.0.0.5:9000:0:kept from the last run\n');
    await start({ enabled: true });
    reconciled();
    await until('a start', () => runs.length === 1);
    assert.deepEqual(
      runs[0].spec.before?.[1],
      ['cp', '--remove-destination', accepted(), leases()],
      'copied over the lease file before every start',
    );
    table = miniupnpdTable([]); // not yet restored: nothing is written
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await readFile(accepted(), 'utf8'), 'TCP:9000:10.0.0.5:9000:0:kept from the last run\n');
    await writeFile(
      leases(),
      'TCP:9000:10.0.0.5:9000:0:kept\nTCP:5557:10.0.0.5:5557:0:x\nTCP:6000:10.0.0.3:22:0:injected\n',
    );
    table = miniupnpdTable([
      miniupnpdRule(8, 'tcp', 9000, '10.0.0.5', 9000),
      miniupnpdRule(9, 'tcp', 5557, '10.0.0.5', 5557),
    ]);
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    await until('the accepted leases', () => reconciles.length === 1);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(
      await readFile(accepted(), 'utf8'),
      'TCP:9000:10.0.0.5:9000:0:kept\nTCP:5557:10.0.0.5:5557:0:x\n',
      'never the forged line',
    );
  });

  it('keeps forwarding the mappings while miniupnpd restarts and re-creates them; reads the table again once it listens', async () => {
    const loaded = await start({ enabled: true });
    reconciled();
    await until('a start', () => runs.length === 1);
    table = miniupnpdTable([miniupnpdRule(3, 'udp', 3074, '10.0.0.9', 3074)]);
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    await until('the mapping', () => reconciles.length === 1);

    world = worldOf(loaded, network({ down: [1] }));
    reconciled();
    await until('a restart', () => runs.length === 2);
    table = miniupnpdTable([]); // the new instance starts from an empty table ...
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(reconciles.length, 1, 'no reconcile while it starts');
    assert.equal(contribution().nft.chains.length, 2, 'DNAT and hairpin kept');
    assert.equal(await readFile(accepted(), 'utf8'), 'UDP:3074:10.0.0.9:3074:0:\n', 'what it gets back');
    runs[1].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr'); // listening, leases not re-created yet
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(reconciles.length, 1, 'an empty table right after it listens is not taken for the truth');
    assert.equal(contribution().nft.chains.length, 2);
    table = miniupnpdTable([miniupnpdRule(4, 'udp', 3074, '10.0.0.9', 3074)]); // ... and re-creates the leases
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(reconciles.length, 1, 'the same mapping: nothing to do');
    table = miniupnpdTable([]);
    await until('the mapping to go once restored', () => reconciles.length === 2);

    world = worldOf(loaded, network({ down: [2] }));
    reconciled();
    await until('a restart', () => runs.length === 3);
    table = null;
    runs[2].events.exited?.({ code: 1, signal: null, ms: 5, restartInMs: 1000 });
    await until('the crash to be noticed', () => logged(/^UPnP: miniupnpd ended/));
    assert.ok(logged(/^UPnP: miniupnpd ended; restarting in 1000 ms$/));
  });

  it("teardown stops miniupnpd and withdraws the mappings from mwan's table", async () => {
    await start({ enabled: true });
    table = miniupnpdTable([miniupnpdRule(8, 'tcp', 9000, '10.0.0.5', 9000)]);
    reconciled();
    await until('a start', () => runs.length === 1);
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    await until('the mapping', () => contribution().nft.chains.length > 0);
    await dispose!();
    dispose = undefined;
    assert.equal(runs[0].stopped, true);
    assert.deepEqual(contribution().nft.chains, []);
  });
});
