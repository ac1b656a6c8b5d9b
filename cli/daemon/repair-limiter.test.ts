// Tests the repair rate limiter: a burst, then exponential back-off capped at the periodic check, the repair due after it, warnings, forgiveness.
import assert from 'node:assert/strict';
import { DEFAULT_REPAIR_LIMITS, RepairLimiter } from './repair-limiter.ts';

describe('RepairLimiter', () => {
  it('allows a burst, then refuses with back-offs of 1 s, 2 s, 4 s … capped at 30 s', () => {
    const l = new RepairLimiter();
    for (let i = 0; i < DEFAULT_REPAIR_LIMITS.burst; i++)
      assert.deepEqual(l.take('nft', i), { allowed: true }, `repair ${i} of the burst`);
    const backoffs: number[] = [];
    let now = 10;
    for (let i = 0; i < 8; i++) {
      const v = l.take('nft', now);
      assert.equal(v.allowed, false);
      if (v.allowed) return;
      backoffs.push(v.backoffMs);
      assert.equal(l.blocked('nft', now + 1), true);
      now = v.retryAt;
      assert.equal(l.blocked('nft', now), false);
      assert.deepEqual(l.take('nft', now), { allowed: true }, 'the repair due at the end of a back-off runs');
      now += 50;
    }
    assert.deepEqual(backoffs, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('bounds the repairs a tool deleting every 50 ms for 10 s can cause', () => {
    const l = new RepairLimiter();
    let repairs = 0;
    let dueAt: number | undefined;
    for (let now = 0; now <= 10_000; now += 50) {
      if (dueAt !== undefined && now >= dueAt) {
        if (l.take('nft', now).allowed) repairs++;
        dueAt = undefined;
      }
      if (l.blocked('nft', now)) continue;
      const v = l.take('nft', now);
      if (v.allowed) repairs++;
      else dueAt = v.retryAt;
    }
    // 5 at once, then one after each of the 1, 2, 4 s back-offs (the next ends after 10 s)
    assert.ok(repairs >= 5 && repairs <= 9, `repairs: ${repairs}`);
  });

  it('keeps kinds apart: a table deleted in a loop does not hold back a route repair', () => {
    const l = new RepairLimiter();
    for (let i = 0; i < 6; i++) l.take('nft', i);
    assert.equal(l.blocked('nft', 10), true);
    assert.equal(l.blocked('route', 10), false);
    assert.deepEqual(l.take('route', 10), { allowed: true });
  });

  it('warns at most once a minute per kind, counting the refusals in between', () => {
    const l = new RepairLimiter({ ...DEFAULT_REPAIR_LIMITS, burst: 1, baseBackoffMs: 10, maxBackoffMs: 10 });
    l.take('rule', 0);
    const warnings: number[] = [];
    let refusals = 0;
    for (let now = 1; now < 130_000; now += 11) {
      const v = l.take('rule', now);
      if (!v.allowed) {
        refusals++;
        if (v.warn) warnings.push(now);
      }
    }
    assert.ok(refusals > 100, `refusals: ${refusals}`);
    assert.equal(warnings.length, 3, `warnings at ${warnings.join(', ')}`);
    assert.ok(warnings[1] - warnings[0] >= 60_000 && warnings[2] - warnings[1] >= 60_000);
  });

  it('refills the bucket at the set rate while not in back-off, and forgives after a quiet minute', () => {
    const l = new RepairLimiter();
    for (let i = 0; i < 5; i++) l.take('route', 0);
    const v = l.take('route', 1000);
    assert.equal(v.allowed, false, 'half a token after 1 s');
    assert.deepEqual(l.take('route', 2000), { allowed: true }, 'the repair due after the back-off');
    assert.equal(l.take('route', 2000 + 30_100).allowed, false, 'still striking: no refill during back-off');
    assert.deepEqual(l.take('route', 2000 + 30_100 + 2000), { allowed: true }, 'after the second back-off (2 s)');
    const later = 2000 + 30_100 + 2000 + 60_000;
    for (let i = 0; i < 5; i++)
      assert.deepEqual(l.take('route', later + i), { allowed: true }, 'a full bucket again after a quiet minute');
  });
});
