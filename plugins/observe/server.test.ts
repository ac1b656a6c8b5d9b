// Tests the observe server on the memory system: where it listens, the token rule, the page and its bundled assets, the live /events stream.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { DEFAULT_LISTEN, parseListen } from './options.ts';
import { sameSecret } from './routes.ts';
import { baseConfig, fetchText, openStream, startedEngine, until } from './testing.ts';

const TOKEN = 'a-long-random-secret-0123456789';

describe('observe plugin: server', () => {
  it('listens on 127.0.0.1:9847 by default and not at all with listen: false', async () => {
    assert.equal(DEFAULT_LISTEN, '127.0.0.1:9847');
    const on = await startedEngine();
    try {
      assert.deepEqual(
        on.system.http.servers.map((s) => `${s.host}:${s.port}`),
        ['127.0.0.1:9847'],
      );
    } finally {
      await on.engine.stop();
    }
    assert.ok(
      on.system.http.servers.every((s) => s.closed),
      'teardown closes the server',
    );
    const off = await startedEngine({ observe: { listen: false } });
    try {
      assert.equal(off.system.http.servers.length, 0);
    } finally {
      await off.engine.stop();
    }
  });

  it('refuses a non-loopback address without a token, naming the field', () => {
    assert.throws(
      () => parseConfig(baseConfig({ observe: { listen: '0.0.0.0:9847' } })),
      /observe\.token: .*required when observe\.listen is not a loopback address/,
    );
    assert.throws(() => parseConfig(baseConfig({ observe: { listen: 'localhost:80' } })), /observe\.listen: /);
    assert.doesNotThrow(() => parseConfig(baseConfig({ observe: { listen: '[::1]:9847' } })));
    assert.deepEqual(parseListen('[::1]:9847'), { host: '::1', port: 9847 });
    assert.equal(parseListen('10.0.0.1:70000'), null);
    assert.equal(parseListen('300.0.0.1:80'), null);
  });

  it('with a token: data needs it (header or ?token=), the page assets do not', async () => {
    const { engine, system } = await startedEngine({ observe: { listen: '10.0.0.1:9847', token: TOKEN } });
    try {
      assert.equal((await fetchText(system, '/metrics')).status, 401);
      assert.equal(
        (await fetchText(system, '/metrics', { authorization: 'Bearer wrong-token-0123456789' })).status,
        401,
      );
      assert.equal((await fetchText(system, '/metrics', { authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await fetchText(system, `/api/status?token=${TOKEN}`)).status, 200);
      assert.equal((await fetchText(system, '/events')).status, 401);
      assert.equal((await fetchText(system, '/')).status, 200);
    } finally {
      await engine.stop();
    }
    assert.ok(sameSecret('abc', 'abc') && !sameSecret('abd', 'abc') && !sameSecret('abcd', 'abc'));
  });

  it('serves the page, uPlot from the package, and refuses writes', async () => {
    const { engine, system } = await startedEngine();
    try {
      const page = await fetchText(system, '/');
      assert.match(page.headers['content-type']!, /text\/html/);
      assert.match(page.text, /<script src="uplot\.js"/);
      assert.match(page.headers['content-security-policy']!, /script-src 'self'/);
      const uplot = await fetchText(system, '/uplot.js');
      assert.match(uplot.text, /uPlot/);
      assert.match((await fetchText(system, '/uplot.css')).text, /\.uplot/);
      assert.match((await fetchText(system, '/app.js')).text, /EventSource/);
      const post = await system.http.request('/metrics', {}, 'POST');
      assert.equal(post.status, 405);
      assert.equal((await fetchText(system, '/nothing')).status, 404);
    } finally {
      await engine.stop();
    }
  });

  it('/api/status and /events: the WAN table, policies, forwards, samples, and a WAN cut pushed at once', async () => {
    const { engine, system, cut } = await startedEngine();
    try {
      const status = JSON.parse((await fetchText(system, '/api/status')).text);
      assert.deepEqual(
        status.wans.map((w: { name: string; state: string; weight: number }) => [w.name, w.state, w.weight]),
        [
          ['isp1', 'online', 3],
          ['isp2', 'online', 1],
        ],
      );
      assert.equal(status.wans[0].address, '100.64.1.2/30');
      assert.equal(status.wans[0].gateway, '100.64.1.1');
      assert.deepEqual(status.forwards, [{ name: 'web', port: '8080', proto: 'tcp', to: '10.0.0.5:80', wans: null }]);
      assert.deepEqual(status.policies[0].shares, { isp1: 0.75, isp2: 0.25 });
      assert.equal(status.history.isp1.length, 1, 'the first sample is taken at start');

      const stream = await openStream(system, '/events');
      assert.match(stream.chunks[0]!, /^retry: 2000\n\nevent: status\ndata: \{/);
      await cut('wan2');
      await until('the cut pushed to the page', () =>
        stream.chunks.some((c) => /^event: wans\n.*"isp2","device":"wan2","state":"link-down"/s.test(c)),
      );
      assert.ok(stream.chunks.some((c) => c.startsWith('event: event\n') && c.includes('"wan.offline"')));
      const pushed = stream.chunks.filter((c) => c.startsWith('event: wans\n')).pop()!;
      assert.deepEqual(JSON.parse(pushed.split('\ndata: ')[1]!).policies[0].shares, { isp1: 1 });
    } finally {
      await engine.stop();
    }
  });
});
