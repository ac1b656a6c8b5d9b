// Shared helpers of the observe plugin's tests: an engine on the memory system with two WANs and a LAN, its links and a way to cut one.
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import { silentLogger } from '../../core/log.ts';
import type { LinkState, ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import type { MemoryStream } from '../../core/system/http/memory.ts';
import { builtinPlugins } from '../index.ts';

const link = (name: string, address: string, carrier = true, prefixLength = 30): LinkState => ({
  name,
  adminUp: true,
  carrier,
  pointToPoint: false,
  addresses: [{ address, prefixLength }],
});

export const network = (down: string[] = []): ObservedNetwork => ({
  links: [
    link('wan1', '100.64.1.2', !down.includes('wan1')),
    link('wan2', '100.64.2.2', !down.includes('wan2')),
    link('lan0', '10.0.0.1', true, 24),
  ],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
});

export const baseConfig = (extra: Record<string, unknown> = {}) => ({
  stateDir: '/var/lib/mwan-test',
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', weight: 3 },
    { name: 'isp2', device: 'wan2' },
  ],
  forwards: [{ name: 'web', port: 8080, to: '10.0.0.5:80' }],
  ...extra,
});

/** A started engine (plugins set up, first reconcile done) on the memory system. */
export async function startedEngine(extra: Record<string, unknown> = {}) {
  const kernel = new MemoryKernel(network());
  const system = new MemorySystem(kernel);
  system.counters = { wan1: { rxBytes: 0, txBytes: 0 }, wan2: { rxBytes: 0, txBytes: 0 } };
  const engine = await Engine.create({
    loaded: parseConfig(baseConfig(extra)),
    system,
    log: silentLogger(),
    plugins: builtinPlugins,
  });
  await engine.start();
  await engine.observe();
  await engine.reconcile('test start');
  const cut = async (device: string) => {
    kernel.network = network([device]);
    await engine.observe();
    await engine.reconcile('test cut');
  };
  return { engine, system, kernel, cut };
}

/** The text of a whole answer (throws for a stream). */
export async function fetchText(system: MemorySystem, target: string, headers: Record<string, string> = {}) {
  const r = await system.http.request(target, headers);
  if (!('text' in r)) throw new Error(`${target} answered with a stream`);
  return r;
}

export async function openStream(system: MemorySystem, target: string): Promise<MemoryStream> {
  const r = await system.http.request(target);
  if ('text' in r) throw new Error(`${target} answered ${r.status}: ${r.text}`);
  return r;
}

export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
