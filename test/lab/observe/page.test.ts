// The status page in a real browser (Debian's headless chromium in the lab's router namespace): every WAN shown, a cut WAN turns red, the graphs fill; screenshots in test-output/observe/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { waitFor } from '../../kit/time.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { CHROMIUM, chromiumIn, type LabBrowser } from './browser.ts';
import { getIn, sample } from './scrape.ts';

const OUTPUT = fileURLToPath(new URL('../../../test-output/observe/', import.meta.url));
/** --bad in the page's style.css. */
const RED = 'rgb(207, 34, 46)';
const GREEN = 'rgb(26, 127, 55)';

describe('mwan lab: the status page in a browser', function () {
  this.timeout(300000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let chromium: LabBrowser | undefined;

  before(async function () {
    await skipWithoutLab(this, 'observe page');
    if (!existsSync(CHROMIUM)) {
      console.log(`observe page: skipped (${CHROMIUM} is missing: apt-get install chromium)`);
      this.skip();
    }
    lab = await createLab({ wans: 3 });
    await startServers(lab);
  });
  after(async () => {
    await chromium?.close();
    await mwan?.cleanup();
    await lab?.teardown();
  });

  it('loads, shows every WAN, turns a cut WAN red at once, and draws points on the graphs', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir);
    for (const w of cfg.wans as Record<string, unknown>[]) w.probes = [{ method: 'icmp', target: l.addr.server }];
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
    await waitFor(
      async () => {
        const m = await getIn(l, l.ns.router, 'http://127.0.0.1:9847/metrics');
        return [1, 2, 3].every((i) => sample(m, `mwan_wan_in_service{wan="isp${i}"}`) === 1);
      },
      30000,
      'every WAN in service',
    );

    chromium = await chromiumIn(l.ns.router);
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1500, height: 1100 });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto('http://127.0.0.1:9847/', { waitUntil: 'load', timeout: 30000 });

    // Queried and read in one evaluation: the page redraws its rows on every update, and a row handle taken in one
    // step ($$eval) can be detached by the next (its computed style then reads empty).
    const rows = async () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('#wans tbody tr')].map((tr) => ({
          wan: tr.dataset.wan,
          state: tr.dataset.state,
          color: getComputedStyle(tr.querySelector('td.state')!).backgroundColor,
        })),
      );
    await page.waitForFunction(() => document.querySelectorAll('#wans tbody tr').length === 3, { timeout: 20000 });
    const shown = await rows();
    assert.deepEqual(
      shown.map((r) => [r.wan, r.state, r.color]),
      [1, 2, 3].map((i) => [`isp${i}`, 'online', GREEN]),
    );
    assert.equal(await page.$eval('#conn', (e) => e.textContent), 'live');

    // the graphs: a sample every 5 s, with RTTs once the probes answer
    // app.js keeps its uPlot instances in the top-level `graphs` (a global lexical binding: read by name)
    const RTT_POINTS = `(graphs['graph-rtt']?.data ?? []).slice(1).map((s) => s.filter((v) => v !== null).length)`;
    const points = async () => ({
      canvases: await page.$$eval('.graph canvas', (c) => c.length),
      rtt: (await page.evaluate(RTT_POINTS)) as number[],
    });
    await page.waitForFunction(
      `(() => { const n = ${RTT_POINTS}; return n.length === 3 && n.every((k) => k >= 2); })()`,
      {
        timeout: 40000,
        polling: 500,
      },
    );
    const drawn = await points();
    assert.equal(drawn.canvases, 3, 'three graphs');
    assert.ok(
      drawn.rtt.every((n) => n >= 2),
      `RTT points per WAN: ${drawn.rtt.join(', ')}`,
    );
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'page-all-online.png'), fullPage: true });

    // cut isp2's carrier: its row turns red
    const t0 = Date.now();
    await l.cutCarrier(2);
    await page.waitForFunction(
      (red) => {
        const td = document.querySelector('#wans tr[data-wan="isp2"] td.state');
        return !!td && getComputedStyle(td).backgroundColor === red;
      },
      { timeout: 20000, polling: 50 },
      RED,
    );
    const ms = Date.now() - t0;
    console.log(`      observe page: isp2 turned red ${ms} ms after its carrier was cut`);
    const after = await rows();
    assert.deepEqual(
      after.map((r) => [r.wan, r.state]),
      [
        ['isp1', 'online'],
        ['isp2', 'link-down'],
        ['isp3', 'online'],
      ],
    );
    await page.waitForFunction(
      () => document.querySelector('#policies tbody')?.textContent?.includes('isp1 50 %, isp3 50 %'),
      { timeout: 10000 },
    );
    assert.ok(
      await page.$eval('#events', (e) => e.textContent!.includes('wan.offline')),
      'the event list shows the change',
    );
    await page.screenshot({ path: path.join(OUTPUT, 'page-isp2-down.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no script errors on the page');
    await l.restoreCarrier(2);
  });
});
