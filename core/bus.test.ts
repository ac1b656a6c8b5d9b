// Tests the event bus: isolated handler failures stamped with their owner, awaitable dispatch, unsubscribe and onAny.
import assert from 'node:assert/strict';
import { EventBus } from './bus.ts';

/** Lets already-settled promise callbacks run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('EventBus', () => {
  it('runs every handler even when a sync one throws and an async one rejects', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on(
      'link.down',
      () => {
        seen.push('first');
      },
      'alpha',
    );
    bus.on(
      'link.down',
      () => {
        throw new Error('sync boom');
      },
      'beta',
    );
    bus.on(
      'link.down',
      async () => {
        throw new Error('async boom');
      },
      'gamma',
    );
    bus.on(
      'link.down',
      (p) => {
        seen.push(`last:${p.device}`);
      },
      'delta',
    );

    const failures = await bus.dispatch('link.down', { device: 'wan1' });

    assert.deepEqual(seen, ['first', 'last:wan1']);
    assert.deepEqual(
      failures.map((f) => [f.event, f.owner, (f.error as Error).message]),
      [
        ['link.down', 'beta', 'sync boom'],
        ['link.down', 'gamma', 'async boom'],
      ],
    );
    assert.equal(bus.failures.length, 2);
  });

  it('emit never throws and still collects the failures of fire-and-forget handlers', async () => {
    const bus = new EventBus();
    bus.on(
      'wan.offline',
      () => {
        throw new Error('sync');
      },
      'probe',
    );
    bus.on('wan.offline', () => Promise.reject(new Error('later')), 'notify');
    assert.doesNotThrow(() => bus.emit('wan.offline', { wan: 'isp1', reason: 'no carrier' }));
    await tick();
    assert.deepEqual(bus.failures.map((f) => f.owner).sort(), ['notify', 'probe']);
  });

  it('stamps "core" as the owner when none is given', async () => {
    const bus = new EventBus();
    bus.on('link.up', () => {
      throw new Error('x');
    });
    const [failure] = await bus.dispatch('link.up', { device: 'wan1' });
    assert.equal(failure.owner, 'core');
  });

  it('dispatch resolves only after asynchronous handlers have finished', async () => {
    const bus = new EventBus();
    const done: string[] = [];
    bus.on('config.loaded', async (p) => {
      await tick();
      await tick();
      done.push(`slow:${p.source}`);
    });
    bus.on('config.loaded', async () => {
      done.push('fast');
    });
    const failures = await bus.dispatch('config.loaded', { source: '/etc/mwan/mwan.config.yaml', wans: ['isp1'] });
    assert.deepEqual(done.sort(), ['fast', 'slow:/etc/mwan/mwan.config.yaml']);
    assert.deepEqual(failures, []);
  });

  it('dispatch reports only the failures of the event it dispatched', async () => {
    const bus = new EventBus();
    bus.on(
      'link.up',
      () => {
        throw new Error('up failed');
      },
      'a',
    );
    bus.on(
      'link.down',
      () => {
        throw new Error('down failed');
      },
      'b',
    );
    bus.emit('link.up', { device: 'wan1' });
    const failures = await bus.dispatch('link.down', { device: 'wan1' });
    assert.deepEqual(
      failures.map((f) => f.owner),
      ['b'],
    );
  });

  it('keeps the failure list bounded', () => {
    const bus = new EventBus();
    bus.on(
      'link.up',
      () => {
        throw new Error('again');
      },
      'noisy',
    );
    for (let i = 0; i < 150; i++) bus.emit('link.up', { device: 'wan1' });
    assert.equal(bus.failures.length, 100);
  });

  it('dispatch still reports a failure once 100 failures have accumulated', async () => {
    const bus = new EventBus();
    bus.on(
      'link.up',
      () => {
        throw new Error('again');
      },
      'noisy',
    );
    for (let i = 0; i < 100; i++) bus.emit('link.up', { device: 'wan1' });
    const failures = await bus.dispatch('link.up', { device: 'wan1' });
    assert.equal(failures.length, 1);
  });

  it('the function returned by on() unsubscribes that handler only', async () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const off = bus.on('wan.admin', () => {
      calls.push('removed');
    });
    bus.on('wan.admin', () => {
      calls.push('kept');
    });
    assert.equal(bus.listenerCount('wan.admin'), 2);
    off();
    assert.equal(bus.listenerCount('wan.admin'), 1);
    await bus.dispatch('wan.admin', { wan: 'isp1', enabled: false });
    assert.deepEqual(calls, ['kept']);
  });

  it('onAny receives every event with its name and payload, and unsubscribes from all of them', async () => {
    const bus = new EventBus();
    const seen: [string, unknown][] = [];
    const off = bus.onAny((event, payload) => {
      seen.push([event, payload]);
    });
    bus.emit('link.up', { device: 'wan1' });
    await bus.dispatch('reconcile.requested', { reason: 'test' });
    bus.emit('wan.quota', { wan: 'isp1', usedBytes: 1, limitBytes: 2, percent: 50, state: 'ok', threshold: null });
    assert.deepEqual(
      seen.map(([e]) => e),
      ['link.up', 'reconcile.requested', 'wan.quota'],
      "a plugin's event too",
    );
    assert.deepEqual(seen.slice(0, 2), [
      ['link.up', { device: 'wan1' }],
      ['reconcile.requested', { reason: 'test' }],
    ]);

    off();
    bus.emit('link.down', { device: 'wan1' });
    assert.equal(seen.length, 3);
  });

  it('a throwing onAny listener is isolated and stamped "tap"', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.onAny(() => {
      throw new Error('tap broke');
    });
    bus.on('hook.ifupdown', (p) => {
      got.push(p.phase);
    });
    const failures = await bus.dispatch('hook.ifupdown', { iface: 'wan1', phase: 'post-up' });
    assert.deepEqual(got, ['post-up']);
    assert.deepEqual(
      failures.map((f) => f.owner),
      ['tap'],
    );
  });
});
