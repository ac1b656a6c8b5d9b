// Tests the plugins' own checks: run for enabled plugins with the options check, see the enabled plugins, refuse with their error.
import assert from 'node:assert/strict';
import { parseConfig } from '../../config/schema/parse.ts';
import { MwanError } from '../errors.ts';
import { validatePlugin } from '../system/code/user-plugins.ts';
import { checkPlugins } from './host.ts';
import type { MwanPlugin } from '../../plugin-api/types.ts';

const configWith = (plugins: Record<string, unknown> = {}) =>
  parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }], plugins }).config;

describe('plugin checks', () => {
  it('each enabled plugin checks the configuration against the enabled plugins, in setup order', () => {
    const seen: string[][] = [];
    const watcher = (name: string, dependencies?: string[]): MwanPlugin => ({
      name,
      dependencies,
      check: (_c, ps) => {
        seen.push([name, ...ps.map((p) => p.name)]);
      },
    });
    checkPlugins([watcher('b', ['a']), watcher('a'), watcher('off')], configWith({ off: false }));
    assert.deepEqual(seen, [
      ['a', 'a', 'b'],
      ['b', 'a', 'b'],
    ]);
  });

  it('an MwanError passes unchanged; another error is named after the plugin', () => {
    const refusing: MwanPlugin = {
      name: 'strict',
      check: () => {
        throw new MwanError('MWAN_CONFIG_INVALID', 'policies.q.strategy: no');
      },
    };
    assert.throws(
      () => checkPlugins([refusing], configWith()),
      (e: unknown) =>
        e instanceof MwanError && e.code === 'MWAN_CONFIG_INVALID' && e.message === 'policies.q.strategy: no',
    );
    const broken: MwanPlugin = {
      name: 'broken',
      check: () => {
        throw new Error('boom');
      },
    };
    assert.throws(
      () => checkPlugins([broken], configWith()),
      (e: unknown) =>
        e instanceof MwanError && e.code === 'MWAN_PLUGIN_INVALID' && /^plugin 'broken': .*boom/.test(e.message),
    );
  });

  it('check and selectActive must be functions', () => {
    assert.throws(() => validatePlugin({ name: 'x', check: 1 }, 'test'), /check of plugin 'x' must be a function/);
    assert.throws(
      () => validatePlugin({ name: 'x', selectActive: 'all' }, 'test'),
      /selectActive of plugin 'x' must be a function/,
    );
  });

  it('events must be a list of event names', () => {
    assert.throws(() => validatePlugin({ name: 'x', events: 'a.b' }, 'test'), /events of plugin 'x' must be an array/);
    assert.throws(() => validatePlugin({ name: 'x', events: [1] }, 'test'), /events of plugin 'x' must be an array/);
    assert.equal(validatePlugin({ name: 'x', events: ['x.done'] }, 'test').name, 'x');
  });
});
