// Tests the samples kept across a restart: the file round trip, the last hour and configured WANs only, malformed rows left out, and a restarted engine's page showing the samples from before.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import { silentLogger } from '../../core/log.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { builtinPlugins } from '../index.ts';
import { parseSamples, SAMPLES_FILE, serializeSamples } from './sample-store.ts';
import type { Sample } from './samples.ts';
import { baseConfig, fetchText, network } from './testing.ts';

const sample = (t: number, rttMs: number | null = 10): Sample => ({ t, rttMs, lossPct: 0, rxBps: 8000, txBps: null });

describe('observe plugin: samples across a restart', () => {
  it('reads back what it wrote: the last hour of the configured WANs, at most the capacity, oldest first', () => {
    const text = serializeSamples(
      { isp1: [sample(100), sample(200), sample(300), sample(400)], gone: [sample(300)] },
      400_000,
    );
    const warnings: string[] = [];
    const back = parseSamples(text, ['isp1', 'isp2'], 150, 400, 2, (m) => warnings.push(m));
    assert.deepEqual(back, { isp1: [sample(300), sample(400)] });
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      parseSamples(text, ['isp1'], 150, 350, 10, () => {}),
      { isp1: [sample(200), sample(300)] },
      'not from the future',
    );
    assert.deepEqual(
      parseSamples(serializeSamples({ isp1: [sample(400.1)] }, 400_000), ['isp1'], 150, 400.06, 10, () => {}),
      { isp1: [sample(400.1)] },
      'a sample taken just before now, its time rounded up to the tenth, is not from the future',
    );
  });

  it('leaves out malformed rows and files, saying so', () => {
    const warnings: string[] = [];
    const rows = [
      [100, 1, 0, null, null],
      [90, 1, 0, null, null],
      [110, 'x', 0, null, null],
      [120, 2, 0, 5, 6],
      'junk',
    ];
    const back = parseSamples(
      JSON.stringify({ version: 1, savedAt: 0, wans: { isp1: rows } }),
      ['isp1'],
      0,
      1000,
      10,
      (m) => warnings.push(m),
    );
    assert.deepEqual(
      back.isp1!.map((s) => s.t),
      [100, 120],
    );
    assert.match(warnings[0]!, /3 malformed samples/);
    assert.deepEqual(
      parseSamples('{', ['isp1'], 0, 1000, 10, (m) => warnings.push(m)),
      {},
    );
    assert.deepEqual(
      parseSamples('{"version":2,"wans":{}}', ['isp1'], 0, 1000, 10, (m) => warnings.push(m)),
      {},
    );
    assert.equal(warnings.length, 3);
  });

  it('a restarted engine shows the samples taken before it stopped', async () => {
    const system = new MemorySystem(new MemoryKernel(network()));
    system.counters = { wan1: { rxBytes: 0, txBytes: 0 }, wan2: { rxBytes: 0, txBytes: 0 } };
    const start = async () => {
      const engine = await Engine.create({
        loaded: parseConfig(baseConfig()),
        system,
        log: silentLogger(),
        plugins: builtinPlugins,
      });
      await engine.start();
      await engine.observe();
      await engine.reconcile('test start');
      return engine;
    };
    const history = async () =>
      (JSON.parse((await fetchText(system, '/api/status')).text) as { history: Record<string, Sample[]> }).history;
    const first = await start();
    const before = await history();
    assert.equal(before.isp1!.length, 1, 'the first sample, taken at start');
    await first.stop();
    assert.ok(
      [...system.privateStore.keys()].some((k) => k.endsWith(SAMPLES_FILE)),
      'written at stop',
    );
    const second = await start();
    try {
      const after = await history();
      assert.equal(after.isp1!.length, 2, 'the one from before the restart, then its own');
      assert.deepEqual(after.isp1![0], before.isp1![0]);
    } finally {
      await second.stop();
    }
  });
});
