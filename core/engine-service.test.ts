// Tests that the engine reconciles when a verdict or a quota changes any WAN's service (either family), and only then.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config/schema/parse.ts';
import { Engine } from './engine.ts';
import type { ObservedNetwork } from './system/kernel/adapter.ts';
import { MemoryKernel } from './system/kernel/memory-adapter.ts';
import { MemorySystem } from './system/memory.ts';
import { silentLogger } from './log.ts';
import type { PluginContext } from '../plugin-api/types.ts';
import { link } from '../test/kit/link.ts';

/** No figures measured. */
const NONE = { rttMs: null, lossPct: null };
const V6 = (address: string) => ({ addresses6: [{ address, prefixLength: 64 }] });
const network = (): ObservedNetwork => ({
  links: [link('wan1', '100.64.1.2', 30, V6('2001:db8:1::2')), link('wan2', '100.64.2.2', 30)],
  defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
});

describe('Engine: reconciles on a change of service, of either family', () => {
  let stateDir: string;
  let ctx: PluginContext;
  let reasons: string[];
  let engine: Engine;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-engine-service-'));
    const loaded = parseConfig({
      stateDir,
      wans: [
        // isp1 probes IPv6 too: its IPv6 side has a verdict of its own.
        { name: 'isp1', device: 'wan1', probes: [{ target: '192.0.2.1' }, { target: '[2001:db8::10]' }] },
        { name: 'isp2', device: 'wan2', probes: [{ target: '192.0.2.1' }] },
      ],
    });
    const spy = {
      name: 'spy',
      setup: (c: PluginContext) => {
        ctx = c;
      },
    };
    engine = await Engine.create({
      loaded,
      system: new MemorySystem(new MemoryKernel(network())),
      log: silentLogger(),
      plugins: [spy],
    });
    await engine.start();
    await engine.observe();
    reasons = [];
    engine.on('reconcile.requested', ({ reason }) => {
      reasons.push(reason);
    });
  });

  afterEach(async () => {
    await engine.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('an IPv6 verdict that takes only IPv6 out of service reconciles; the same verdict again does not', () => {
    const offline6 = { health: 'offline', reason: 'no answer', family: 'ipv6', ...NONE } as const;
    ctx.reportHealth('isp1', offline6);
    assert.equal(engine.wans()[0].inService, true);
    assert.equal(engine.wans()[0].ipv6?.inService, false);
    assert.deepEqual(reasons, ['isp1 IPv6 offline: no answer']);
    ctx.reportHealth('isp1', offline6);
    ctx.reportHealth('isp2', { health: 'online', reason: 'answers', ...NONE });
    assert.equal(reasons.length, 1, reasons.join('; '));
  });

  it('a quota that puts a WAN on standby reconciles; restoring it reconciles again', () => {
    ctx.setQuotaOut?.('isp2', 'standby');
    assert.equal(engine.wans()[1].inService, false);
    assert.deepEqual(reasons, ['isp2 quota']);
    ctx.setQuotaOut?.('isp2', 'standby');
    assert.equal(reasons.length, 1);
    ctx.setQuotaOut?.('isp2', null);
    assert.deepEqual(reasons, ['isp2 quota', 'isp2 quota']);
  });
});
