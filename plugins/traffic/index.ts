// Built-in plugin 'traffic': per-WAN kernel counters published as `wan.traffic` every 5 s, and data quotas (`wans[].quota`) accounted from them.
import {
  definePlugin,
  describeError,
  NO_OPTIONS,
  type MwanPlugin,
  type PluginContext,
} from '../../plugin-api/index.ts';
import { contributeCounters } from './counters.ts';
import { Meter, rawOf } from './meter.ts';
import { QuotaLedger } from './quota-ledger.ts';
import { quotaConfiguration, type QuotaConfig } from './quota-options.ts';
import { parseQuotas, QUOTA_FILE, serializeQuotas, type QuotaUse } from './quota-store.ts';

export const PLUGIN_NAME = 'traffic';
/** How often the counters are read (one `nft -j list counters`) and `wan.traffic` published. */
export const READ_INTERVAL_MS = 5000;
/** How often quota use is written to the state directory (and at stop): a restart or reboot loses at most this. */
export const SAVE_INTERVAL_MS = 60_000;

export interface TrafficTiming {
  readIntervalMs?: number;
  saveIntervalMs?: number;
}

async function loadUses(ctx: PluginContext): Promise<Map<string, QuotaUse>> {
  const text = await ctx.system.privateFiles?.read(QUOTA_FILE);
  return text ? parseQuotas(text, (m) => ctx.log.warn({ plugin: PLUGIN_NAME }, m)) : new Map();
}

/**
 * A fresh plugin instance. Its meter lives as long as the instance (the daemon keeps one across reloads), so
 * `wan.traffic` totals run from the daemon's start.
 */
export function createTraffic(timing: TrafficTiming = {}): MwanPlugin {
  const meter = new Meter();
  return definePlugin({
    name: PLUGIN_NAME,
    options: NO_OPTIONS,
    events: ['wan.traffic', 'wan.quota'],
    configuration: quotaConfiguration,
    contribute: contributeCounters,
    async setup(ctx) {
      const read = ctx.system.readCounters;
      if (!read) {
        ctx.log.warn(
          { plugin: PLUGIN_NAME },
          'the system boundary reads no nft counters: no traffic figures or quotas',
        );
        return;
      }
      const quotas = new Map(
        ctx.config.wans.flatMap((w): [string, QuotaConfig][] => (w.quota ? [[w.name, w.quota]] : [])),
      );
      const ledger = quotas.size
        ? new QuotaLedger(quotas, await loadUses(ctx), {
            setOut: (wan, out) => ctx.setQuotaOut?.(wan, out),
            emit: (e) => ctx.bus.emit('wan.quota', e),
          })
        : undefined;
      ledger?.restore();
      let reading: Promise<void> = Promise.resolve();
      const tick = () =>
        (reading = reading.then(async () => {
          try {
            const counters = await read();
            if (!counters) return; // before the first apply made the table
            for (const w of ctx.world().wans) {
              const raw = rawOf(counters, w.id);
              if (!raw) continue;
              ctx.bus.emit('wan.traffic', meter.add(w.name, raw));
              ledger?.account(w.name, raw.rxBytes, raw.txBytes);
            }
          } catch (error) {
            ctx.log.warn({ plugin: PLUGIN_NAME, err: describeError(error) }, 'reading the traffic counters failed');
          }
        }));
      const save = async () => {
        if (!ledger || !ctx.system.privateFiles) return;
        try {
          await ctx.system.privateFiles.write(QUOTA_FILE, serializeQuotas(ledger.uses, Date.now()));
        } catch (error) {
          ctx.log.error({ plugin: PLUGIN_NAME, err: describeError(error) }, 'saving the quota use failed');
        }
      };
      const first = setTimeout(tick, 1000);
      const reads = setInterval(tick, timing.readIntervalMs ?? READ_INTERVAL_MS);
      const saves = setInterval(save, timing.saveIntervalMs ?? SAVE_INTERVAL_MS);
      for (const t of [first, reads, saves]) t.unref?.();
      return async () => {
        clearTimeout(first);
        clearInterval(reads);
        clearInterval(saves);
        await tick(); // what passed since the last reading counts too
        await save();
      };
    },
  });
}

export default createTraffic();
