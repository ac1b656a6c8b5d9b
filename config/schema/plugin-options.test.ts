// Tests plugin option validation (config/schema/plugin-options.ts, the host's validatePluginOptions): unknown plugin keys with a hint, each parser's errors named plugins.<name>.<field>, the built-ins' declarations.
import assert from 'node:assert/strict';
import { parseConfig } from './parse.ts';
import { MwanError } from '../../core/errors.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { existsSync, readFileSync } from 'node:fs';
import { NO_OPTIONS, PluginOptionsError, invalidOptions } from './plugin-options.ts';
import { validatePluginOptions } from '../../core/plugin/host.ts';
import type { MwanPlugin } from '../../plugin-api/types.ts';

const configWith = (plugins: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }], lan: [{ device: 'lan0' }], plugins, ...extra }).config;

/** The MWAN_CONFIG_INVALID message `validatePluginOptions` throws. */
function rejection(plugins: MwanPlugin[], options: Record<string, unknown>): string {
  try {
    validatePluginOptions(plugins, configWith(options));
  } catch (error) {
    assert.ok(error instanceof MwanError, String(error));
    assert.equal(error.code, 'MWAN_CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected the options to be refused');
}

const portParser: MwanPlugin = {
  name: 'probe',
  options: {
    parse(raw) {
      if (raw.port !== undefined && typeof raw.port !== 'number')
        throw new PluginOptionsError([{ path: ['port'], input: raw.port, message: 'expected a port number' }]);
      return { port: (raw.port as number | undefined) ?? 80 };
    },
  },
};

describe('plugin options', () => {
  it('refuses a plugins key that names no plugin, with a "did you mean" hint', () => {
    const message = rejection(builtinPlugins, { upnpp: { enabled: true } });
    assert.match(message, /^plugins\.upnpp: no plugin is named so; did you mean 'upnp'\?/m);
  });

  it('refuses a misspelt key that disables a plugin (it would disable nothing)', () => {
    assert.match(
      rejection(builtinPlugins, { rp_filter: false }),
      /^plugins\.rp_filter: no plugin is named so; did you mean 'rp-filter'\?/m,
    );
  });

  it("names the field inside a plugin's options for an issue list (zod or by hand)", () => {
    assert.match(
      rejection([portParser], { probe: { port: 'http' } }),
      /^plugins\.probe\.port: got "http"; expected a port number$/m,
    );
  });

  it('names the plugin for a parser that throws a plain Error', () => {
    const plain: MwanPlugin = {
      name: 'plain',
      options: {
        parse() {
          throw new Error('routes must be a list');
        },
      },
    };
    assert.match(rejection([plain], { plain: { routes: 1 } }), /^plugins\.plain: routes must be a list$/m);
  });

  it('reports the problems of every plugin at once', () => {
    const message = rejection([...builtinPlugins, portParser], {
      probe: { port: 'x' },
      mail: { retries: 99 },
      helth: {},
    });
    assert.match(message, /^plugins\.probe\.port:/m);
    assert.match(message, /^plugins\.mail\.retries: got 99;/m);
    assert.match(message, /^plugins\.helth: no plugin is named so; did you mean 'health'\?/m);
  });

  it('does not parse the options of a disabled plugin, and returns the parsed options of the others', () => {
    const parsed = validatePluginOptions(
      [
        portParser,
        {
          name: 'off',
          options: {
            parse() {
              throw new Error('must not run');
            },
          },
        },
      ],
      configWith({ off: false }),
    );
    assert.deepEqual(parsed.get('probe'), { port: 80 });
    assert.equal(parsed.has('off'), false);
  });

  it('passes a plugin without a declaration its options unchecked', () => {
    assert.doesNotThrow(() =>
      validatePluginOptions([{ name: 'force-route' }], configWith({ 'force-route': { routes: [] } })),
    );
  });

  it('every built-in plugin declares its options', () => {
    for (const p of builtinPlugins)
      assert.equal(typeof p.options?.parse, 'function', `plugin ${p.name} declares no options`);
  });

  it('built-in plugins without options refuse any key, naming it', () => {
    assert.match(
      rejection(builtinPlugins, { health: { intervalMs: 100 } }),
      /^plugins\.health\.intervalMs: got 100; this plugin takes no options$/m,
    );
    assert.throws(() => NO_OPTIONS.parse({ x: 1 }, configWith({})), PluginOptionsError);
  });

  it('invalidOptions names each field under plugins.<name> (and a prefix), as the host reports it', () => {
    const error = invalidOptions(
      'probe',
      [{ path: ['port'], message: 'expected a port number', input: 'x' } as { path: string[]; message: string }],
      ['server'],
    );
    assert.equal(error.code, 'MWAN_CONFIG_INVALID');
    assert.equal(
      error.message,
      'invalid options of plugin \'probe\':\nplugins.probe.server.port: got "x"; expected a port number',
    );
    const plugin: MwanPlugin = {
      name: 'probe',
      options: {
        parse() {
          throw invalidOptions('probe', [{ path: ['a', 0], message: 'bad' }]);
        },
      },
    };
    assert.match(rejection([plugin], { probe: {} }), /^plugins\.probe\.a\[0\]: bad$/m);
  });

  it("a built-in plugin that takes options keeps their schema in its folder's options.ts", () => {
    for (const p of builtinPlugins) {
      if (p.options === NO_OPTIONS) continue;
      const folder = new URL(`../../plugins/${p.name}/`, import.meta.url);
      assert.ok(existsSync(new URL('options.ts', folder)), `plugins/${p.name}/options.ts is missing`);
      assert.match(
        readFileSync(new URL('options.ts', folder), 'utf8'),
        /from 'zod'/,
        `plugins/${p.name}/options.ts declares no zod schema`,
      );
    }
  });

  for (const [plugin, options, field] of [
    ['upnp', { enabled: true, minPort: 0 }, 'plugins.upnp.minPort'],
    ['upnp', { lanDevice: 'eth9' }, 'plugins.upnp.lanDevice'],
    ['mail', { transport: { host: 'smtp.example.net', port: 'x' } }, 'plugins.mail.transport.port'],
    ['event-scripts', { timeoutMs: 5 }, 'plugins.event-scripts.timeoutMs'],
  ] as const) {
    it(`runs the built-in ${plugin} parser: ${field}`, () => {
      assert.match(
        rejection(builtinPlugins, { [plugin]: options }),
        new RegExp(`^${field.replace(/[.]/g, '\\.')}: `, 'm'),
      );
    });
  }
});
