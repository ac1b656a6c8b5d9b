// Carrier return in the lab: a short blip brings a WAN back after fewer good rounds than a long outage; a WAN bounced repeatedly is held down by flap damping, then reused.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, MWANCTL, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { sleep, waitFor } from '../../kit/time.ts';

interface Seen {
  event: string;
  payload: Record<string, unknown>;
}

/** Follows `mwanctl events` and keeps every event in order. */
function followEvents(lab: Lab, mwan: Mwan): { proc: ManagedProcess; events: Seen[] } {
  const proc = lab.spawn(lab.ns.router, [process.execPath, MWANCTL, '--config', mwan.configPath, 'events']);
  const events: Seen[] = [];
  void (async () => {
    for (;;) {
      const line = await proc.nextLine(600000).catch(() => null);
      if (line === null) return;
      if (line.startsWith('{')) events.push(JSON.parse(line));
    }
  })();
  return { proc, events };
}

const isp1 = (e: Seen, event: string) => e.event === event && e.payload.wan === 'isp1';

/** isp1's probe rounds from index `from` up to its next wan.online: how many, and the good ones in a row that ended it. */
function roundsUntilOnline(events: Seen[], from: number): { rounds: number; goodRun: number; online: boolean } {
  let rounds = 0;
  let goodRun = 0;
  for (const e of events.slice(from)) {
    if (isp1(e, 'wan.online')) return { rounds, goodRun, online: true };
    if (!isp1(e, 'probe.result')) continue;
    rounds++;
    goodRun = e.payload.ok ? goodRun + 1 : 0;
  }
  return { rounds, goodRun, online: false };
}

describe('mwan lab: carrier return and flap damping', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let follow: { proc: ManagedProcess; events: Seen[] } | undefined;

  before(async function () {
    await skipWithoutLab(this, 'carrier return');
    lab = await createLab({ wans: 3 });
    await startServers(lab);
  });
  afterEach(async () => {
    await follow?.proc.kill();
    follow = undefined;
    await mwan?.cleanup();
    mwan = undefined;
    await lab?.restoreCarrier(1);
  });
  after(async () => {
    await lab?.teardown();
  });

  async function start(health: Record<string, unknown>): Promise<{ proc: ManagedProcess; events: Seen[] }> {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir, { extra: { health } });
    for (const w of cfg.wans as Record<string, unknown>[])
      w.probes = [
        { method: 'icmp', target: l.addr.server },
        { method: 'icmp', target: l.addr.server2 },
      ];
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
    follow = followEvents(l, mwan);
    await waitFor(async () => (await statusOf(mwan!)).wans[0].state === 'online', 20000, 'isp1 online');
    // The event stream is connected once it has delivered a probe round (or the first cut's events could be missed).
    const f = follow;
    await waitFor(() => f.events.some((e) => isp1(e, 'probe.result')), 20000, 'the event stream');
    return f;
  }

  /** Cuts isp1's carrier for `downMs`, restores it; with `waitOnline`, waits for wan.online. Returns where it began. */
  async function outage(f: { events: Seen[] }, downMs: number, waitOnline = true): Promise<number> {
    const mark = f.events.length;
    await lab!.cutCarrier(1);
    await waitFor(() => f.events.slice(mark).some((e) => isp1(e, 'wan.offline')), 20000, 'isp1 offline');
    await sleep(downMs);
    await lab!.restoreCarrier(1);
    if (waitOnline)
      await waitFor(() => f.events.slice(mark).some((e) => isp1(e, 'wan.online')), 60000, 'isp1 back online');
    return mark;
  }

  it('a blip with answering probes returns after upAfterBlip good rounds, a long outage after upAfter', async () => {
    const f = await start({ upAfter: 10, upAfterBlip: 2, blipSeconds: 3, flapPenalty: 0 });
    const blip = roundsUntilOnline(f.events, await outage(f, 500));
    const long = roundsUntilOnline(f.events, await outage(f, 4500));
    console.log(`      rounds to return: blip ${JSON.stringify(blip)}, long outage ${JSON.stringify(long)}`);
    // On a loaded machine the next round's probe.result can reach the event stream before wan.online (both follow
    // the verdict asynchronously): one round more is accepted, never fewer.
    assert.ok(blip.goodRun >= 2 && blip.goodRun <= 3, `the blip: upAfterBlip (2) good rounds, got ${blip.goodRun}`);
    assert.ok(
      long.goodRun >= 10 && long.goodRun <= 11,
      `the long outage: upAfter (10) good rounds, got ${long.goodRun}`,
    );
    assert.ok(blip.rounds < long.rounds, 'the blip came back sooner, in rounds');
  });

  it('a WAN bounced three times in a row is held down by its flap penalty, then reused once it decays', async () => {
    const f = await start({
      upAfter: 10,
      upAfterBlip: 2,
      blipSeconds: 3,
      flapPenalty: 1000,
      // Two flaps never reach 2000; three within 13.9 s of each other do (1 + x + x² ≥ 2 for x = 2^(-d/20) ≥ 0.618),
      // however slow the machine; the hold then lasts 20 s · log2(penalty / 750), at most about 40 s.
      flapSuppress: 2000,
      flapReuse: 750,
      flapHalfLifeSeconds: 20,
    });
    await outage(f, 200);
    await outage(f, 200);
    const mark = await outage(f, 200, false);
    // Good rounds keep coming, well past upAfter, and the WAN stays out: held down.
    await waitFor(
      () => roundsUntilOnline(f.events, mark).goodRun >= 25,
      30000,
      '25 good rounds after the third bounce',
    ).catch((err) => {
      const seen = f.events.filter((e) => e.payload.wan === 'isp1' && e.event !== 'probe.result');
      throw new Error(
        `${err.message}; isp1: ${JSON.stringify(seen)} ${JSON.stringify(roundsUntilOnline(f.events, mark))}`,
      );
    });
    const held = roundsUntilOnline(f.events, mark);
    assert.equal(held.online, false, 'not back after 25 good rounds');
    const s = (await statusOf(mwan!)).wans.find((w) => w.name === 'isp1')!;
    console.log(`      isp1 ${s.state}: ${s.reason}`);
    assert.equal(s.inService, false);
    assert.match(s.reason, /held down for flapping: penalty \d+ \(3 flaps\) reaches 2000/);
    // Reused: the penalty decays below flapReuse and the WAN comes back by itself.
    await waitFor(() => roundsUntilOnline(f.events, mark).online, 120000, 'isp1 reused');
    const reused = roundsUntilOnline(f.events, mark);
    console.log(`      reused after ${reused.rounds} rounds (${reused.goodRun} good in a row)`);
    assert.ok(reused.goodRun > 25, `held for ${reused.goodRun} good rounds`);
    assert.equal((await statusOf(mwan!)).wans.find((w) => w.name === 'isp1')!.inService, true);
  });
});
