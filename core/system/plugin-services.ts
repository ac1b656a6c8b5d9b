// Binds the System to one engine's table, layout and state directory: the services a plugin gets as `ctx.system`.
import type { Layout } from '../../config/schema/identifiers.ts';
import type { Logger } from '../log.ts';
import type { NfqueueService } from './nfqueue/index.ts';
import type { PluginServices, System } from './system.ts';
import { timedSetsOf } from './kernel/timed-sets.ts';

/**
 * The plugins' services over `system`: map updates and counter reads in mwan's table, queue listeners with mwan's
 * mark mask and the shared conntrack feed, private files in `stateDir`. The queue listeners plugins started and have
 * not closed are kept for `nfqueue.running` (their counters feed metrics).
 */
export function pluginServices(system: System, layout: Layout, stateDir: string, log: Logger): PluginServices {
  const { kernel } = system;
  const conntrack = system.conntrackFeed();
  const queues = new Set<NfqueueService>();
  return {
    deleteConnections: (mark, mask, family) => kernel.deleteConnections(mark, mask, family),
    refreshNeighbours: kernel.refreshNeighbours ? (d, a) => kernel.refreshNeighbours!(d, a) : undefined,
    startProbe: system.startProbe,
    runScript: system.runScript,
    linkBytes: (devices) => system.linkBytes(devices),
    conntrack,
    files: system.files,
    mail: system.mail,
    http: system.http,
    updateMap: (map, add, remove) => system.updateMap(layout.nftTable, map, add, remove),
    timedSets: kernel.listNftTable
      ? {
          read: async () => timedSetsOf((await kernel.listNftTable!('inet', layout.nftTable)) ?? []),
          replace: (sets) => system.replaceTimedSets(layout.nftTable, sets),
        }
      : undefined,
    supervise: (spec, events) => system.supervise(spec, events),
    listNftTable: kernel.listNftTable ? (family, name) => kernel.listNftTable!(family, name) : undefined,
    readCounters: kernel.readCounters ? () => kernel.readCounters!(layout.nftTable) : undefined,
    privateFiles: system.privateFiles(stateDir, (m) => log.warn(m)),
    nfqueue: {
      start: async (o) => {
        const service = await kernel.nfqueue.start({ ...o, mask: layout.mask, conntrack });
        queues.add(service);
        return {
          queue: service.queue,
          strategy: service.strategy,
          stats: () => service.stats(),
          close: () => {
            queues.delete(service);
            return service.close();
          },
        };
      },
      running: () => [...queues],
      planRules: (spec) => kernel.nfqueue.planRules(spec),
      applyRules: (spec) => kernel.nfqueue.applyRules(spec),
    },
  };
}
