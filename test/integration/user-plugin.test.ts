// A drop-in user plugin (config/plugins.d/force-route.ts) loaded from the plugins directory steers real traffic; unsafe files are refused.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../lab/topology.ts';
import { burst, startServers } from '../lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from './fixture.ts';
import { skipWithoutLab, settledSnapshot } from './helpers.ts';

const EXAMPLE = fileURLToPath(new URL('../../config/plugins.d/force-route.ts', import.meta.url));

describe('mwan lab: user plugins from the plugins directory', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'user-plugin');
    lab = await createLab({ wans: 3 });
    await startServers(lab);
  });

  afterEach(async () => { await mwan?.cleanup(); mwan = undefined; });
  after(async () => { await lab?.teardown(); });

  function withPlugin(mode: number): Mwan {
    const l = lab!;
    const m = mwanFor(l, (dir) => labConfig(l, dir, {
      wans: { 1: { weight: 10 }, 2: { weight: 1 }, 3: { weight: 1 } },
      extra: { plugins: { 'force-route': { routes: [{ to: `${l.addr.server2}/32`, wan: 'isp3' }] } } },
    }));
    const dir = path.join(m.dir, 'plugins.d');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = path.join(dir, 'force-route.ts');
    copyFileSync(EXAMPLE, file);
    chmodSync(file, mode);
    return m;
  }

  it('the example force-route plugin sends one destination through its WAN, the rest stays balanced', async () => {
    const l = lab!;
    mwan = withPlugin(0o644);
    await mwan.startDaemon();
    const forced = await burst(l, l.ns.client, { count: 60, concurrency: 10, to: l.addr.server2 });
    assert.equal(forced.ok, 60, JSON.stringify(forced));
    assert.equal(forced.byIsp[3], 60, `forced destination left by ${JSON.stringify(forced.byIsp)}`);
    const rest = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.ok(rest.byIsp[1] > 30, `the other destination should follow the 10:1:1 weights: ${JSON.stringify(rest.byIsp)}`);
    const rules = (await l.exec(l.ns.router, ['ip', 'rule', 'show'])).stdout;
    assert.match(rules, new RegExp(`to ${l.addr.server2.replaceAll('.', '\\.')} lookup \\d+ proto 249`));
  });

  it('refuses a plugin file that group or others may write, naming the file and the fix, and applies nothing', async () => {
    const l = lab!;
    mwan = withPlugin(0o664);
    const before = await settledSnapshot(l);
    const r = await mwan.ctl(['apply']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /refusing plugin .*force-route\.ts: it is writable by group or others/);
    assert.match(r.stderr, /chmod go-w/);
    assert.equal(await settledSnapshot(l), before);
  });
});
