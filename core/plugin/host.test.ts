// Tests the plugin host: dependency ordering, cycles, setup timeout and rollback, LIFO teardown, disabling, collect().
import assert from 'node:assert/strict';
import { EventBus } from '../bus.ts';
import { parseConfig } from '../../config/schema/parse.ts';
import type { MwanError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { PluginHost, orderPlugins, type HostDeps } from './host.ts';
import type { MwanPlugin, WorldView } from '../../plugin-api/types.ts';
import { expectCode } from '../../test/kit/errors.ts';

function deps(plugins: Record<string, unknown> = {}, requests: string[] = []): HostDeps {
  const { config } = parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }], plugins });
  return {
    config,
    bus: new EventBus(),
    log: silentLogger(),
    world: () => ({}) as WorldView,
    requestReconcile: (r) => {
      requests.push(r);
    },
    reportHealth: () => undefined,
    system: {
      deleteConnections: async () => 0,
      startProbe: () => ({ stop: () => undefined }),
      runScript: async () => ({ exitCode: 0, signal: null, timedOut: false, ms: 0, stderr: '' }),
      supervise: (spec) => ({ name: spec.name, pid: undefined, starts: 0, stop: async () => undefined }),
    },
  };
}

const names = (ps: MwanPlugin[]) => ps.map((p) => p.name);

describe('orderPlugins', () => {
  it('puts dependencies first and otherwise keeps registration order', () => {
    const ordered = orderPlugins([
      { name: 'snat' },
      { name: 'multipath', dependencies: ['tables'] },
      { name: 'probe', dependencies: ['multipath', 'marker'] },
      { name: 'tables' },
      { name: 'marker' },
    ]);
    assert.deepEqual(names(ordered), ['snat', 'tables', 'multipath', 'marker', 'probe']);
  });

  it('names the missing dependency and the plugin that wants it', () => {
    assert.throws(
      () => orderPlugins([{ name: 'probe', dependencies: ['health'] }]),
      expectCode('MWAN_PLUGIN_DEPENDENCY', /dependency 'health' of plugin 'probe' is not registered/),
    );
  });

  it('detects a cycle and names it', () => {
    assert.throws(
      () =>
        orderPlugins([
          { name: 'a', dependencies: ['b'] },
          { name: 'b', dependencies: ['c'] },
          { name: 'c', dependencies: ['a'] },
        ]),
      expectCode('MWAN_PLUGIN_CYCLE', /a -> b -> c -> a/),
    );
  });

  it('detects a plugin depending on itself', () => {
    assert.throws(
      () => orderPlugins([{ name: 'self', dependencies: ['self'] }]),
      expectCode('MWAN_PLUGIN_CYCLE', /self -> self/),
    );
  });

  it('rejects two plugins with the same name', () => {
    assert.throws(
      () => orderPlugins([{ name: 'marker' }, { name: 'marker' }]),
      expectCode('MWAN_PLUGIN_INVALID', /two plugins are named 'marker'/),
    );
  });
});

describe('PluginHost', () => {
  /** A plugin that records its lifecycle into `log`. */
  const recorder = (log: string[], name: string, extra: Partial<MwanPlugin> = {}): MwanPlugin => ({
    name,
    setup: () => {
      log.push(`setup ${name}`);
    },
    teardown: () => {
      log.push(`teardown ${name}`);
    },
    ...extra,
  });

  it('sets plugins up in dependency order and tears them down last-in first-out', async () => {
    const log: string[] = [];
    const host = new PluginHost(
      [recorder(log, 'b', { dependencies: ['a'] }), recorder(log, 'a'), recorder(log, 'c')],
      deps(),
    );
    await host.setup();
    assert.deepEqual(log, ['setup a', 'setup b', 'setup c']);
    assert.deepEqual(names(host.plugins), ['a', 'b', 'c']);
    log.length = 0;
    await host.teardown();
    assert.deepEqual(log, ['teardown c', 'teardown b', 'teardown a']);
  });

  it('awaits an asynchronous setup before starting the next plugin', async () => {
    const log: string[] = [];
    const slow: MwanPlugin = {
      name: 'slow',
      async setup() {
        await new Promise((r) => setImmediate(r));
        log.push('slow done');
      },
    };
    const host = new PluginHost([slow, recorder(log, 'next')], deps());
    await host.setup();
    assert.deepEqual(log, ['slow done', 'setup next']);
  });

  it('keeps tearing down when one teardown fails', async () => {
    const log: string[] = [];
    const host = new PluginHost(
      [
        recorder(log, 'a'),
        recorder(log, 'b', {
          teardown: () => {
            throw new Error('stuck');
          },
        }),
        recorder(log, 'c'),
      ],
      deps(),
    );
    await host.setup();
    log.length = 0;
    await host.teardown();
    assert.deepEqual(log, ['teardown c', 'teardown a']);
  });

  it('fails a setup that does not finish within setupTimeoutMs, naming the plugin, and tears down the started ones', async () => {
    const log: string[] = [];
    const hang: MwanPlugin = {
      name: 'hang',
      setupTimeoutMs: 20,
      setup: () => new Promise<void>(() => {}),
      teardown: () => {
        log.push('teardown hang');
      },
    };
    const host = new PluginHost([recorder(log, 'first'), hang, recorder(log, 'never')], deps());
    await assert.rejects(host.setup(), expectCode('MWAN_PLUGIN_TIMEOUT', /setup of plugin 'hang'/, /20 ms/));
    assert.deepEqual(log, ['setup first', 'teardown first']);
  });

  it('on a failing setup, tears down the started plugins in reverse order and names the failing one', async () => {
    const log: string[] = [];
    const boom = recorder(log, 'boom', {
      setup: () => {
        throw new Error('port in use');
      },
    });
    const host = new PluginHost([recorder(log, 'a'), recorder(log, 'b'), boom, recorder(log, 'z')], deps());
    await assert.rejects(host.setup(), (error: unknown) => {
      expectCode('MWAN_PLUGIN_FAILED', /setup of plugin 'boom' failed: port in use/)(error);
      assert.equal(((error as MwanError).cause as Error).message, 'port in use');
      return true;
    });
    assert.deepEqual(log, ['setup a', 'setup b', 'teardown b', 'teardown a']);
  });

  it('skips a plugin disabled in the config', async () => {
    const log: string[] = [];
    const host = new PluginHost([recorder(log, 'snat'), recorder(log, 'marker')], deps({ snat: false }));
    assert.deepEqual(names(host.plugins), ['marker']);
    await host.setup();
    assert.deepEqual(log, ['setup marker']);
  });

  it('refuses bad plugin options when it is built, before any setup, naming plugins.<name>.<field>', () => {
    const log: string[] = [];
    const strict = recorder(log, 'probe', {
      options: {
        parse: (raw) => {
          if (raw.interval !== undefined)
            throw Object.assign(new Error('bad'), {
              issues: [{ path: ['interval'], message: 'expected milliseconds' }],
            });
          return {};
        },
      },
    });
    assert.throws(
      () => new PluginHost([recorder(log, 'first'), strict], deps({ probe: { interval: 'fast' } })),
      expectCode('MWAN_CONFIG_INVALID', /^plugins\.probe\.interval: expected milliseconds$/m),
    );
    assert.deepEqual(log, []);
  });

  it('refuses a plugins key that names no registered plugin, with a hint', () => {
    assert.throws(
      () => new PluginHost([{ name: 'marker' }, { name: 'snat' }], deps({ snta: false })),
      expectCode('MWAN_CONFIG_INVALID', /plugins\.snta: no plugin is named so; did you mean 'snat'\?/),
    );
  });

  it("keeps every enabled plugin's parsed options", () => {
    const host = new PluginHost(
      [{ name: 'probe', options: { parse: (raw) => ({ interval: 100, ...raw }) } }],
      deps({ probe: { interval: 5 } }),
    );
    assert.deepEqual(host.options.get('probe'), { interval: 5 });
  });

  it('reports a dependency on a disabled plugin', () => {
    assert.throws(
      () => new PluginHost([{ name: 'a' }, { name: 'b', dependencies: ['a'] }], deps({ a: false })),
      expectCode('MWAN_PLUGIN_DEPENDENCY', /'a' of plugin 'b'/, /disabled/),
    );
  });

  it('gives each plugin its name, its options and a reconcile request tagged with its name', async () => {
    const requests: string[] = [];
    let seen: { name: string; options: Record<string, unknown> } | undefined;
    let other: Record<string, unknown> | undefined;
    const host = new PluginHost(
      [
        {
          name: 'probe',
          setup(ctx) {
            seen = { name: ctx.name, options: ctx.options };
            ctx.requestReconcile('target down');
          },
        },
        {
          name: 'other',
          setup(ctx) {
            other = ctx.options;
          },
        },
      ],
      deps({ probe: { interval: 5 } }, requests),
    );
    await host.setup();
    assert.deepEqual(seen, { name: 'probe', options: { interval: 5 } });
    assert.deepEqual(other, {});
    assert.deepEqual(requests, ['probe: target down']);
  });

  it('collect() stamps each contribution with the plugin that made it', () => {
    const host = new PluginHost(
      [
        {
          name: 'tables',
          contribute(d) {
            d.route({ table: 1001, dst: 'default', dev: 'wan1' }).rule({ priority: 1001, table: 1001 });
          },
        },
        {
          name: 'nat',
          contribute(d) {
            d.chain({ name: 'post', rules: [] }).set({ name: 's', kind: 'set', type: 'ipv4_addr' });
          },
        },
        { name: 'quiet' },
      ],
      deps(),
    );
    const state = host.collect({} as WorldView);
    assert.deepEqual(
      state.routes.map((r) => r.owner),
      ['tables'],
    );
    assert.deepEqual(
      state.rules.map((r) => r.owner),
      ['tables'],
    );
    assert.deepEqual(
      state.nft.chains.map((c) => c.owner),
      ['nat'],
    );
    assert.deepEqual(
      state.nft.sets.map((s) => s.owner),
      ['nat'],
    );
  });

  it('collect() passes the world view to every plugin', () => {
    const world = { mode: 'failover' } as WorldView;
    const seen: unknown[] = [];
    const host = new PluginHost(
      [
        {
          name: 'a',
          contribute: (_d, w) => {
            seen.push(w);
          },
        },
        {
          name: 'b',
          contribute: (_d, w) => {
            seen.push(w);
          },
        },
      ],
      deps(),
    );
    host.collect(world);
    assert.deepEqual(seen, [world, world]);
  });

  it('a throwing contribute fails collect() naming the plugin and keeping the cause', () => {
    const host = new PluginHost(
      [
        { name: 'fine', contribute() {} },
        {
          name: 'faulty',
          contribute() {
            throw new Error('no address yet');
          },
        },
      ],
      deps(),
    );
    assert.throws(
      () => host.collect({} as WorldView),
      (error: unknown) => {
        expectCode('MWAN_PLUGIN_FAILED', /plugin 'faulty' failed to describe its state: no address yet/)(error);
        assert.equal(((error as MwanError).cause as Error).message, 'no address yet');
        return true;
      },
    );
  });
});
