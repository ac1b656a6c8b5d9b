// Tests the health state machine: detection and recovery counts, the default arithmetic under 10 % loss, quality and triggers.
import assert from 'node:assert/strict';
import { DEFAULT_HEALTH, type HealthSettings } from './options.ts';
import { initialState, linkBack, linkLost, step, windowFigures, type Decision, type Round } from './verdict.ts';

const good = (rttMs = 20, probed = 2): Round => ({ answered: probed, probed, rttMs });
const bad = (probed = 2): Round => ({ answered: 0, probed, rttMs: null });
const settings = (o: Partial<HealthSettings> = {}): HealthSettings => ({ ...DEFAULT_HEALTH, ...o });

function run(rounds: Round[], s = settings(), state = initialState()): Decision[] {
  return rounds.map((r) => step(state, r, s));
}

/** A small deterministic PRNG (mulberry32) so the loss simulation is repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('health verdict', () => {
  it('one good round takes a WAN from unknown to online', () => {
    const [d] = run([good()]);
    assert.equal(d.verdict, 'online');
    assert.equal(d.outOfService, false);
  });

  it('goes offline on exactly the downAfter-th failed round in a row', () => {
    const ds = run([good(), bad(), bad(), bad(), bad()]);
    assert.deepEqual(
      ds.map((d) => d.verdict),
      ['online', 'online', 'online', 'online', 'offline'],
    );
    assert.equal(ds[4].outOfService, false, 'the trigger flag is for degraded verdicts only');
    assert.match(ds[4].reason, /fewer than 1 of 2 targets answered in 4 rounds/);
  });

  it('a good round resets the failure streak', () => {
    const ds = run([good(), bad(), bad(), bad(), good(), bad(), bad(), bad()]);
    assert.ok(ds.every((d) => d.verdict === 'online'));
  });

  it('comes back on exactly the upAfter-th good round in a row', () => {
    const s = settings();
    const ds = run([good(), bad(), bad(), bad(), bad(), ...Array.from({ length: s.upAfter }, () => good())], s);
    const after = ds.slice(5).map((d) => d.verdict);
    assert.deepEqual(after.slice(0, s.upAfter - 1), Array(s.upAfter - 1).fill('offline'));
    assert.equal(after[s.upAfter - 1], 'online');
  });

  it('with the defaults, detection takes at most 0.6 s, recovery about two, a blip return about 0.3 s', () => {
    const s = settings();
    // The next probe after the cut (≤ one interval), downAfter - 1 more rounds, the last one's timeout.
    assert.ok(s.intervalMs * s.downAfter + s.timeoutMs <= 600, 'worst-case detection after the cut');
    assert.ok(s.intervalMs * (s.upAfter + 1) <= 2500, 'recovery, with the wait for the first probe');
    assert.ok(s.intervalMs * (s.upAfterBlip + 1) <= 400, 'return after a blip');
    // False verdicts: 10 % independent loss on two targets fails a round with p = 0.01; 300 s of rounds.
    const rounds = (300 * 1000) / s.intervalMs;
    assert.ok(rounds * 0.01 ** s.downAfter < 1e-4, 'expected false verdicts in 300 s at 10 % loss');
    // Jitter: 30 ± 20 ms answers are at most 50 ms late, far from the timeout.
    assert.ok(s.timeoutMs >= 4 * 50);
  });

  it('never goes offline under 10 % independent loss on two targets (20 × 1500 rounds, default settings)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = prng(seed);
      const state = initialState();
      for (let i = 0; i < 1500; i++) {
        const answered = [0, 1].filter(() => rand() >= 0.1).length;
        const d = step(state, { answered, probed: 2, rttMs: answered ? 20 + rand() * 200 : null }, settings());
        assert.notEqual(d.verdict, 'offline', `seed ${seed}, round ${i}`);
        assert.equal(d.outOfService, false);
      }
    }
  });

  it('quorum 2 of 2: one dead target takes the WAN down', () => {
    const ds = run(
      [good(), ...Array.from({ length: 4 }, () => ({ answered: 1, probed: 2, rttMs: 20 }))],
      settings({ quorum: 2 }),
    );
    assert.equal(ds.at(-1)!.verdict, 'offline');
  });

  it('heavy loss makes the WAN degraded but keeps it in service with the default trigger (down)', () => {
    const rounds = Array.from({ length: 30 }, (_, i) => (i % 2 ? good() : { answered: 1, probed: 2, rttMs: 20 }));
    const d = run(rounds).at(-1)!;
    assert.equal(d.verdict, 'degraded');
    assert.equal(d.outOfService, false);
    assert.match(d.reason, /loss 2\d% above 20%/);
  });

  it('the loss trigger takes a degraded WAN out of service', () => {
    const rounds = Array.from({ length: 30 }, (_, i) => (i % 2 ? good() : { answered: 1, probed: 2, rttMs: 20 }));
    const d = run(rounds, settings({ trigger: 'loss' })).at(-1)!;
    assert.equal(d.verdict, 'degraded');
    assert.equal(d.outOfService, true);
    assert.match(d.reason, /trigger loss/);
  });

  it('high latency degrades; the latency trigger takes it out; the loss trigger does not', () => {
    const slow = Array.from({ length: 20 }, () => good(700));
    assert.equal(run(slow, settings({ trigger: 'latency' })).at(-1)!.outOfService, true);
    const d = run(slow, settings({ trigger: 'loss' })).at(-1)!;
    assert.equal(d.verdict, 'degraded');
    assert.equal(d.outOfService, false);
    assert.match(d.reason, /rtt 700 ms above 500 ms/);
  });

  it('quality has hysteresis: between the low and high thresholds the verdict stays', () => {
    const s = settings({ windowRounds: 10 });
    const state = initialState();
    run(
      Array.from({ length: 10 }, () => good(600)),
      s,
      state,
    );
    assert.equal(state.verdict, 'degraded');
    run(
      Array.from({ length: 10 }, () => good(300)),
      s,
      state,
    ); // 300 ms: below high (500), above low (250)
    assert.equal(state.verdict, 'degraded');
    run(
      Array.from({ length: 10 }, () => good(100)),
      s,
      state,
    );
    assert.equal(state.verdict, 'online');
  });

  it('reports no loss before the first full window (a lost first ping is not 33 % loss), RTT at once', () => {
    const s = settings({ windowRounds: 5 });
    const state = initialState();
    const early = run([{ answered: 2, probed: 3, rttMs: 12 }, good(10, 3), good(10, 3)], s, state);
    assert.deepEqual(
      early.map((d) => [d.verdict, d.lossPct]),
      [
        ['online', null],
        ['online', null],
        ['online', null],
      ],
    );
    assert.equal(early[0].rttMs, 12);
    const later = run([good(10, 3), good(10, 3)], s, state);
    assert.deepEqual(
      later.map((d) => d.lossPct),
      [null, 6.7],
    ); // the fifth round fills the window: 1 of 15 lost
    // after an outage the window starts again: unknown until it has filled once more
    run(
      Array.from({ length: s.downAfter }, () => bad(3)),
      s,
      state,
    );
    assert.equal(state.verdict, 'offline');
    const back = run(
      Array.from({ length: s.upAfter }, () => good(10, 3)),
      s,
      state,
    );
    assert.equal(back.at(-1)!.verdict, 'online');
    assert.equal(back.at(-1)!.lossPct, null);
  });

  it('reports loss and RTT over the window', () => {
    assert.deepEqual(windowFigures([good(10), { answered: 1, probed: 2, rttMs: 40 }, bad()]), {
      lossPct: 50,
      rttMs: 20,
    });
  });

  describe('link loss and return', () => {
    const SEC = 1000;
    const online = (s = settings()) => {
      const state = initialState();
      run([good()], s, state);
      return state;
    };
    /** How many good rounds after the link returned brought the WAN back (Infinity: not within 100). */
    const roundsToReturn = (state: ReturnType<typeof initialState>, s = settings(), held?: string): number => {
      for (let k = 1; k <= 100; k++) if (step(state, good(), s, held).verdict === 'online') return k;
      return Infinity;
    };

    it('a short loss of a stable, reachable WAN asks upAfterBlip good rounds; a long one upAfter', () => {
      const s = settings();
      const blip = online(s);
      assert.equal(linkLost(blip, 0)?.reason, 'link lost');
      assert.equal(blip.verdict, 'offline');
      assert.match(linkBack(blip, 5 * SEC, s, true)!.reason, /link back after 5.0 s \(a blip .*\): 3 good rounds/);
      assert.equal(roundsToReturn(blip, s), s.upAfterBlip);

      const long = online(s);
      linkLost(long, 0);
      assert.match(linkBack(long, 30 * SEC, s, true)!.reason, /lost for more than 10 s\): 20 good rounds/);
      assert.equal(roundsToReturn(long, s), s.upAfter);
      assert.ok(s.upAfterBlip < s.upAfter);
    });

    it('a blip of a flapping WAN, or of one that was offline already, asks the full upAfter', () => {
      const s = settings();
      const flapping = online(s);
      linkLost(flapping, 0);
      assert.match(linkBack(flapping, 2 * SEC, s, false)!.reason, /has been flapping\): 20 good rounds/);
      assert.equal(roundsToReturn(flapping, s), s.upAfter);

      const wasOffline = online(s);
      run([bad(), bad(), bad(), bad()], s, wasOffline);
      linkLost(wasOffline, 0);
      linkBack(wasOffline, 1 * SEC, s, true);
      assert.equal(roundsToReturn(wasOffline, s), s.upAfter);
    });

    it('rounds lost while the link settles keep the shortcut; a failed round sent after blipSeconds cancels it', () => {
      const s = settings();
      const settling = online(s);
      linkLost(settling, 0);
      linkBack(settling, SEC, s, true);
      const lost = (at: number): Round => ({ ...bad(), sentAt: at });
      run([lost(1.1 * SEC), lost(1.2 * SEC), lost(1.3 * SEC), lost(1.4 * SEC), lost(1.5 * SEC)], s, settling);
      assert.equal(roundsToReturn(settling, s), s.upAfterBlip, 'five lost rounds within 10 s of the loss');

      const dead = online(s);
      linkLost(dead, 0);
      linkBack(dead, SEC, s, true);
      run([lost(9 * SEC), lost(10.5 * SEC)], s, dead);
      assert.equal(roundsToReturn(dead, s), s.upAfter, 'still failing 10.5 s after the loss');
    });

    it('held down by flap damping, good rounds do not bring it back; once released they do', () => {
      const s = settings();
      const state = online(s);
      linkLost(state, 0);
      linkBack(state, SEC, s, true);
      const d = run([good(), good(), good(), good()], s, state);
      assert.equal(d.at(-1)!.verdict, 'online', 'not held: back after three');
      linkLost(state, 2 * SEC);
      linkBack(state, 3 * SEC, s, true);
      const held = 'held down for flapping: …';
      const ds = Array.from({ length: 50 }, () => step(state, good(), s, held));
      assert.ok(ds.every((x) => x.verdict === 'offline'));
      assert.equal(ds.at(-1)!.reason, held);
      assert.equal(step(state, good(), s).verdict, 'online', 'released');
    });

    it('a WAN not judged yet stays unknown over a link loss; one good round brings it online', () => {
      const state = initialState();
      assert.equal(linkLost(state, 0), undefined);
      assert.equal(linkBack(state, SEC, settings(), true), undefined);
      assert.equal(step(state, good(), settings()).verdict, 'online');
    });
  });
});
