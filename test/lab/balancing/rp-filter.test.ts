// rp_filter: strict mode drops forwards through a WAN out of service; mwan sets loose on the WAN devices, shows it, restores on stop.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

const WEB = 8080;
const KEYS = ['all', 'wan1', 'wan2', 'wan3'].map((d) => `net.ipv4.conf.${d}.rp_filter`);

describe('mwan lab: rp_filter on the WANs', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let strictOnly: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'rp-filter');
    lab = await createLab({ wans: 3, ispPortForward: [{ isp: 2, port: WEB }] });
    const l = lab;
    const forwards = [{ port: WEB, to: l.addr.client }];
    // Strict everywhere first, as many distributions ship it, so the change is visible.
    await l.exec(l.ns.router, ['sysctl', '-q', '-w', ...KEYS.map((k) => `${k}=1`)]);
    strictOnly = mwanFor(l, (dir) => labConfig(l, dir, { extra: { forwards, plugins: { 'rp-filter': false } } }));
    mwan = mwanFor(l, (dir) => labConfig(l, dir, { extra: { forwards } }));
    await startServerInNs(l, l.ns.client, '0.0.0.0', WEB);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
      await strictOnly?.ctl(['stop']);
      await strictOnly?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  async function values(): Promise<Record<string, number>> {
    const out = (await lab!.exec(lab!.ns.router, ['sysctl', ...KEYS])).stdout;
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((line) => {
          const [k, v] = line.split('=').map((s) => s.trim());
          return [k.replace(/^net\.ipv4\.conf\.|\.rp_filter$/g, ''), Number(v)];
        }),
    );
  }
  const viaIsp2 = (count: number, timeoutMs = 1500) =>
    burst(lab!, lab!.ns.inet, { count, to: lab!.addr.ispPublic(2), port: WEB, timeoutMs });

  it('control: with strict rp_filter (the plugin disabled) a forward through a WAN out of service is dropped', async () => {
    await ctlOk(strictOnly!, ['apply']);
    assert.deepEqual(await values(), { all: 1, wan1: 1, wan2: 1, wan3: 1 });
    const inService = await viaIsp2(3);
    assert.equal(inService.ok, 3, `in service, the balance route covers wan2: ${JSON.stringify(inService)}`);
    await ctlOk(strictOnly!, ['wan', 'down', 'isp2']);
    const down = await viaIsp2(3, 800);
    assert.equal(down.ok, 0, `strict mode should drop it: ${JSON.stringify(down)}`);
    await ctlOk(strictOnly!, ['stop']);
  });

  it('while mwan runs the WAN devices are loose (2); `all` keeps its 1 (the kernel uses the larger value); status shows loose', async () => {
    await mwan!.startDaemon();
    assert.deepEqual(await values(), { all: 1, wan1: 2, wan2: 2, wan3: 2 });
    const s = await statusOf(mwan!);
    for (const w of s.wans) assert.deepEqual(w.rpFilter, { device: 2, all: 1, mode: 'loose' }, w.name);
    const text = await ctlOk(mwan!, ['status']);
    assert.match(text, /RP_FILTER/);
    assert.equal(text.split('\n').filter((line) => /^isp\d .* loose /.test(line)).length, 3, text);
  });

  it('with loose mode, the forward through isp2 answers while isp2 is out of service', async () => {
    await ctlOk(mwan!, ['wan', 'down', 'isp2']);
    try {
      const r = await viaIsp2(5);
      assert.equal(r.ok, 5, JSON.stringify(r));
    } finally {
      await ctlOk(mwan!, ['wan', 'up', 'isp2']);
    }
  });

  it('`mwanctl stop` restores the values found before (1 on every WAN device)', async () => {
    await ctlOk(mwan!, ['stop']);
    assert.deepEqual(await values(), { all: 1, wan1: 1, wan2: 1, wan3: 1 });
  });
});
