// Drop-in user plugins loaded from the plugins directory steer real traffic (force-route.ts; an NFQUEUE strategy); unsafe files are refused.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, settledSnapshot } from '../../kit/lab/helpers.ts';

const EXAMPLE = fileURLToPath(new URL('../../../config/plugins.d/force-route.ts', import.meta.url));

/** A user plugin declaring an NFQUEUE strategy that sends every new connection to the last member in service. */
const LAST_MEMBER = `// Test plugin: an NFQUEUE strategy that picks the last member in service.
import type { MwanPlugin } from 'mwan/plugin';

const plugin: MwanPlugin = {
  name: 'last-member',
  nfqueueStrategies: { 'last-member': (ctx) => ({ name: 'last-member', decide: () => ctx.wans().at(-1) }) },
};

export default plugin;
`;

describe('mwan lab: user plugins from the plugins directory', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'user-plugin');
    lab = await createLab({ wans: 3 });
    await startServers(lab);
  });

  afterEach(async () => {
    await mwan?.cleanup();
    mwan = undefined;
  });
  after(async () => {
    await lab?.teardown();
  });

  function withPlugin(mode: number): Mwan {
    const l = lab!;
    const m = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        wans: { 1: { weight: 10 }, 2: { weight: 1 }, 3: { weight: 1 } },
        extra: { plugins: { 'force-route': { routes: [{ to: `${l.addr.server2}/32`, wan: 'isp3' }] } } },
      }),
    );
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
    assert.ok(
      rest.byIsp[1] > 30,
      `the other destination should follow the 10:1:1 weights: ${JSON.stringify(rest.byIsp)}`,
    );
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

  it("a drop-in plugin's NFQUEUE strategy decides real connections of the policy that names it", async () => {
    const l = lab!;
    const m = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        extra: { policies: { last: { strategy: 'nfqueue:last-member' } }, defaultPolicy: 'last' },
      }),
    );
    mwan = m;
    const dir = path.join(m.dir, 'plugins.d');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, 'last-member.ts'), LAST_MEMBER, { mode: 0o644 });
    await m.startDaemon();
    const r = await burst(l, l.ns.client, { count: 30, concurrency: 5 });
    assert.equal(r.ok, 30, JSON.stringify(r));
    // The kernel's own choice (equal weights) would spread them; the plugin's strategy sends all to isp3.
    assert.deepEqual(r.byIsp.slice(1), [0, 0, 30], JSON.stringify(r.byIsp));
    await ctlOk(m, ['wan', 'down', 'isp3']);
    const without = await burst(l, l.ns.client, { count: 20, concurrency: 5 });
    assert.deepEqual(
      without.byIsp.slice(1),
      [0, 20, 0],
      `with isp3 down the last member in service is isp2: ${JSON.stringify(without.byIsp)}`,
    );
  });
});
