// Tests the sample history: rates from device counters, a bounded ring (oldest dropped), unknown counters as gaps.
import assert from 'node:assert/strict';
import type { WanView } from '../../plugin-api/index.ts';
import { SampleRing, WanHistory } from './samples.ts';

const wan = (name: string, device: string, rttMs: number | null): WanView =>
  ({ name, device, rttMs, lossPct: 0 }) as WanView;

describe('observe plugin: samples', () => {
  it('turns device byte counters into bit rates between samples; a missing device is a gap', () => {
    const h = new WanHistory(10);
    h.add([wan('isp1', 'wan1', 10), wan('isp2', 'wan2', null)], { wan1: { rxBytes: 0, txBytes: 0 }, wan2: null }, 0);
    const s = h.add(
      [wan('isp1', 'wan1', 12), wan('isp2', 'wan2', null)],
      { wan1: { rxBytes: 125_000, txBytes: 12_500 }, wan2: null },
      5000,
    );
    assert.deepEqual(s.isp1, { t: 5, rttMs: 12, lossPct: 0, rxBps: 200_000, txBps: 20_000 });
    assert.equal(s.isp2!.rxBps, null);
    assert.equal(h.all().isp1!.length, 2);
    assert.equal(h.latest('isp1')!.rttMs, 12);
  });

  it('keeps at most its capacity, oldest first', () => {
    const ring = new SampleRing(3);
    for (let t = 1; t <= 5; t++) ring.push({ t, rttMs: t, lossPct: null, rxBps: null, txBps: null });
    assert.deepEqual(
      ring.list().map((s) => s.t),
      [3, 4, 5],
    );
    assert.equal(ring.size, 3);
  });
});
