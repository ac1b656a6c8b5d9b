// Tests the flap-damping arithmetic: exponential decay, suppression at the threshold, reuse below the other, the hold's ceiling.
import assert from 'node:assert/strict';
import { DEFAULT_HEALTH } from './options.ts';
import { decayed, FlapDamper, msUntilBelow, penaltyCeiling, type DampingSettings } from './damping.ts';

const s: DampingSettings = { ...DEFAULT_HEALTH }; // 1000 per flap, suppress 2000, reuse 750, half-life 60 s, max 900 s
const SEC = 1000;

describe('flap damping', () => {
  it('a penalty halves every half-life', () => {
    assert.equal(decayed(1000, 0, 60 * SEC, 60), 500);
    assert.equal(decayed(1000, 0, 120 * SEC, 60), 250);
    assert.equal(decayed(1000, 10, 10, 60), 1000);
    assert.ok(Math.abs(decayed(1000, 0, 30 * SEC, 60) - 707.1) < 0.1);
  });

  it('two quick flaps are not suppressed, a third within about 40 s is', () => {
    const d = new FlapDamper(s);
    d.flap(0);
    d.flap(1 * SEC);
    assert.equal(d.held(1 * SEC), undefined, `penalty ${d.penalty(1 * SEC)}`);
    d.flap(40 * SEC);
    const why = d.held(40 * SEC);
    assert.match(
      why ?? '',
      /held down for flapping: penalty 2267 \(3 flaps\) reaches 2000, back below 750 in about 96 s/,
    );
  });

  it('three flaps 45 s apart stay under the threshold (1000 · (1 + 2^-0.75 + 2^-1.5) < 2000)', () => {
    const d = new FlapDamper(s);
    for (const t of [0, 45, 90]) d.flap(t * SEC);
    assert.ok(d.penalty(90 * SEC) < 2000);
    assert.equal(d.held(90 * SEC), undefined);
  });

  it('a suppressed WAN is reused once the penalty decays below flapReuse, and not a moment before', () => {
    const d = new FlapDamper(s);
    for (const t of [0, 1, 2]) d.flap(t * SEC);
    const p = d.penalty(2 * SEC); // about 2977
    const wait = msUntilBelow(p, s.flapReuse, s.flapHalfLifeSeconds); // 60 s · log2(p / 750) ≈ 119 s
    assert.ok(wait > 110 * SEC && wait < 125 * SEC, `wait ${wait}`);
    assert.ok(d.held(2 * SEC + wait - 2 * SEC), 'still held two seconds before');
    assert.equal(d.held(2 * SEC + wait), undefined, 'reused at the computed time');
    // Once reused, a decaying penalty between reuse and suppress does not suppress again by itself.
    assert.equal(d.held(2 * SEC + wait + SEC), undefined);
  });

  it('knows whether the WAN had been stable before its last flap', () => {
    const d = new FlapDamper(s);
    d.flap(0);
    assert.equal(d.stableBeforeLastFlap, true, 'first flap');
    d.flap(20 * SEC); // 1000 · 2^(-1/3) ≈ 794 before: not yet below 750
    assert.equal(d.stableBeforeLastFlap, false);
    d.flap(200 * SEC);
    assert.equal(d.stableBeforeLastFlap, true, 'long after');
  });

  it('the penalty is capped so a hold never outlasts flapMaxHoldSeconds', () => {
    const small = { ...s, flapHalfLifeSeconds: 1, flapMaxHoldSeconds: 4 };
    assert.equal(penaltyCeiling(small), 750 * 16);
    const d = new FlapDamper(small);
    for (let k = 0; k < 100; k++) d.flap(k);
    assert.equal(d.penalty(99), 12000);
    assert.ok(d.held(99 + 3900));
    assert.equal(d.held(99 + 4001), undefined);
  });

  it('a penalty of 0 per flap disables damping', () => {
    const d = new FlapDamper({ ...s, flapPenalty: 0 });
    for (let k = 0; k < 10; k++) d.flap(k);
    assert.equal(d.held(10), undefined);
  });
});
