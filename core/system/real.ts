// The real system: the kernel through ip/nft/iptables, probes on sockets, supervised processes, files on disk, mail by nodemailer.
import type { KernelAdapter } from './kernel/adapter.ts';
import { SystemKernel } from './kernel/system-adapter.ts';
import { readLinkBytes } from './kernel/link-stats.ts';
import { updateMap } from './kernel/nft-elements.ts';
import { replaceTimedSets } from './kernel/timed-sets.ts';
import { createConntrackFeed } from './conntrack/feed.ts';
import { icmpBackend, startProbe } from './probes/index.ts';
import { runScript } from './process/scripts.ts';
import { supervise } from './process/supervise.ts';
import { systemFiles } from './files.ts';
import { systemMail } from './mail.ts';
import { systemHttp } from './http/real.ts';
import { StateStore } from './state-store.ts';
import { privateFiles } from './private-files.ts';
import type { System } from './system.ts';
import { systemNotifier, type ServiceNotifier } from './notify.ts';

/** The system the daemon and `apply` use; `kernel` may be given (a dry-run kernel, a test's runner). */
export function realSystem(
  kernel: KernelAdapter = new SystemKernel(),
  notifier: ServiceNotifier = lazyNotifier(),
): System {
  return {
    kind: 'system',
    kernel,
    startProbe,
    icmpBackend,
    runScript,
    supervise: (spec, events) => supervise(spec, events),
    conntrackFeed: () => createConntrackFeed(),
    updateMap: (table, map, add, remove) => updateMap(table, map, add, remove),
    replaceTimedSets: (table, sets) => replaceTimedSets(table, sets),
    linkBytes: (devices) => readLinkBytes(devices),
    files: systemFiles,
    mail: systemMail,
    http: systemHttp,
    stateStore: (dir) => new StateStore(dir),
    privateFiles: (dir, warn) => privateFiles(dir, warn),
    notifier,
  };
}

/** Reads (and removes) NOTIFY_SOCKET from the environment the first time it is used: only the daemon uses it. */
function lazyNotifier(): ServiceNotifier {
  let n: ServiceNotifier | undefined;
  const get = () => (n ??= systemNotifier());
  return {
    get enabled() {
      return get().enabled;
    },
    get watchdogMs() {
      return get().watchdogMs;
    },
    notify: (f) => get().notify(f),
  };
}
