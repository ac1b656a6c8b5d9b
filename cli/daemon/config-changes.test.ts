// Unit tests for the reload's description of what changed, and which WANs keep their health state.
import assert from 'node:assert/strict';
import { parseConfig } from '../config.ts';
import { configChanges, wansKeepingHealth } from './config-changes.ts';

const base = () =>
  ({
    wans: [
      { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', probes: [{ method: 'icmp', target: '192.0.2.1' }] },
      { name: 'isp2', device: 'wan2', gateway: '100.64.2.1', probes: [{ method: 'icmp', target: '192.0.2.1' }] },
    ] as Record<string, unknown>[],
    lan: [{ device: 'lan0' }],
  }) as Record<string, unknown> & { wans: Record<string, unknown>[] };
const cfg = (o: ReturnType<typeof base>) => parseConfig(o).config;

describe('configChanges / wansKeepingHealth', () => {
  it('names nothing for the same file', () => {
    assert.deepEqual(configChanges(cfg(base()), cfg(base()), ['health'], ['health']), []);
  });

  it('names WANs changed (with fields), added and removed, other sections, plugin options and loaded plugins', () => {
    const next = base();
    next.wans[1] = { ...next.wans[1], weight: 3, probes: [{ method: 'icmp', target: '192.0.2.9' }] };
    next.wans.push({ name: 'isp3', device: 'wan3', gateway: '100.64.3.1' });
    next.wans.shift();
    next.mode = 'failover';
    next.health = { downAfter: 6 };
    next.plugins = { upnp: false };
    assert.deepEqual(configChanges(cfg(base()), cfg(next), ['health'], ['health', 'force-route']), [
      'wan isp2 changed (probes, weight)',
      'wan isp3 added',
      'wan isp1 removed',
      'health changed (downAfter)',
      'mode changed',
      'plugin upnp disabled',
      'plugins loaded: +force-route',
    ]);
  });

  it('keeps health for WANs whose device, probes and health settings are unchanged', () => {
    const next = base();
    next.wans[0] = { ...next.wans[0], weight: 5 };
    next.wans[1] = { ...next.wans[1], probes: [] };
    assert.deepEqual(wansKeepingHealth(cfg(base()), cfg(next)), ['isp1']);
    const global = base();
    global.health = { downAfter: 9 };
    assert.deepEqual(wansKeepingHealth(cfg(base()), cfg(global)), []);
  });
});
