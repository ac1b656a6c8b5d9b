// Tests `mwanctl events` filtering by name glob and the readable --text lines.
import assert from 'node:assert/strict';
import { eventNames } from '../../core/events.ts';
import { builtinPlugins } from '../../plugins/index.ts';

const ALL_EVENTS = eventNames(builtinPlugins);
import { eventFilter, globToRegExp, textLine } from './event-lines.ts';

describe('events: --type and --text', () => {
  it('filters by globs, repeatable and literal outside * and ?', () => {
    const wan = eventFilter(['wan.*']);
    assert.deepEqual(ALL_EVENTS.filter(wan), [
      'wan.online',
      'wan.degraded',
      'wan.offline',
      'wan.admin',
      'wan.longdown',
      'wan.traffic',
      'wan.quota',
    ]);
    const two = eventFilter(['wan.offline', 'reconcile.*']);
    assert.deepEqual(ALL_EVENTS.filter(two), [
      'wan.offline',
      'reconcile.requested',
      'reconcile.done',
      'reconcile.failed',
    ]);
    assert.equal(eventFilter(['link.?p'])('link.up'), true);
    assert.equal(eventFilter(['link.?p'])('link.down'), false);
    assert.equal(globToRegExp('wan.*').test('wanXonline'), false, 'the dot is literal');
    assert.equal(eventFilter([])('probe.result'), true, 'no --type: everything');
  });

  it('prints one readable line per event, with the time the daemon stamped', () => {
    const at = '2026-12-03T07:10:08.123Z';
    assert.equal(
      textLine({
        event: 'wan.offline',
        at,
        payload: { wan: 'isp1', reason: 'fewer than 1 of 2 targets answered in 4 rounds', rttMs: null, lossPct: 100 },
      }),
      `${at} wan.offline         isp1 offline: fewer than 1 of 2 targets answered in 4 rounds (rtt -, loss 100%)`,
    );
    assert.match(
      textLine({
        event: 'wan.online',
        at,
        payload: { wan: 'isp1', reason: '2/2 targets answering', downForMs: 95000 },
      }),
      /isp1 online: 2\/2 targets answering, after 95 s out$/,
    );
    assert.match(
      textLine({
        event: 'probe.result',
        at,
        payload: {
          wan: 'isp2',
          ok: false,
          targets: [
            { target: '192.0.2.1', method: 'icmp', ok: false, rttMs: null },
            { target: '192.0.2.2', method: 'tcp', ok: true, rttMs: 12.4 },
          ],
          rttMs: 12.4,
          lossPct: null,
        },
      }),
      /isp2 probe round failed: icmp 192\.0\.2\.1 no answer, tcp 192\.0\.2\.2 12 ms \(rtt 12 ms, loss -\)$/,
    );
    assert.match(
      textLine({
        event: 'policy.weights',
        at,
        payload: { policy: 'fewest', weights: { isp1: 3, isp2: 1 }, reason: 'open connections' },
      }),
      /policy fewest weights isp1 3, isp2 1: open connections$/,
    );
    assert.match(
      textLine({
        event: 'reconcile.done',
        at,
        payload: { reason: 'link up', changed: false, ms: 3.2, nftLines: 0, ipLines: 0, sysctls: 0 },
      }),
      /reconciled \(link up\): no change in 3 ms$/,
    );
  });

  it('names the IPv6 side of a WAN (IPv4 lines as before)', () => {
    const at = '2026-12-03T07:10:08.123Z';
    const line = (family: 'ipv4' | 'ipv6') =>
      textLine({ event: 'wan.offline', at, payload: { wan: 'isp1', family, reason: 'no answer' } });
    assert.match(line('ipv6'), /wan\.offline +isp1 IPv6 offline: no answer$/);
    assert.match(line('ipv4'), /wan\.offline +isp1 offline: no answer$/);
  });

  it('never throws: unknown events and payloads of another shape fall back to JSON', () => {
    // (the compiler makes the sentences cover every event of the map: their table is typed by MwanEvents)
    for (const event of ALL_EVENTS)
      assert.match(textLine({ event, payload: {} }), new RegExp(`^- ${event.replace('.', '\\.')} +\\S`), event);
    assert.match(textLine({ event: 'upnp.lease', payload: { port: 80 } }), /^- upnp\.lease +\{"port":80\}$/);
    assert.match(textLine({ event: 'wan.online', payload: null }), /wan\.online +null$/);
  });
});
