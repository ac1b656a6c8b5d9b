// The dry-run system (`mwanctl plan`): reads the real kernel and files, changes nothing — each change is printed and refused; the daemon's services are idle.
import { DryRunKernel } from './kernel/system-adapter.ts';
import { readLinkBytes } from './kernel/link-stats.ts';
import { createConntrackFeed } from './conntrack/feed.ts';
import { systemFiles } from './files.ts';
import { StateStore } from './state-store.ts';
import { privateFiles } from './private-files.ts';
import type { System } from './system.ts';
import { noNotifier } from './notify.ts';
import { idleServices } from './one-shot.ts';
import { idleHttp } from './http/idle.ts';

/** Thrown for a side effect a dry run does not cause; the message says what would have happened. */
export class DryRunRefusal extends Error {}

export interface DryRunSystem extends System {
  readonly kernel: DryRunKernel;
  /** What was refused, in order: one line each. */
  readonly refused: string[];
}

/** `print` gets one line per refused change (stderr by default: stdout carries the plan). */
export function dryRunSystem(
  print: (line: string) => void = (l) => process.stderr.write(`mwan (dry run): ${l}\n`),
): DryRunSystem {
  const refused: string[] = [];
  const refuse = (what: string): never => {
    refused.push(what);
    print(`would ${what}; not done`);
    throw new DryRunRefusal(`dry run: would ${what}`);
  };
  /** A change plugins make while setting up (a directory, an empty file): printed, not done, and setup goes on. */
  const skip = async (what: string): Promise<void> => {
    print(`would ${what}; not done`);
  };
  const store = (dir: string) => {
    const real = new StateStore(dir);
    return {
      load: () => real.load(),
      update: async () => refuse(`write the state file in ${dir}`),
      save: async () => refuse(`write the state file in ${dir}`),
    };
  };
  return {
    kind: 'dry-run',
    kernel: new DryRunKernel(),
    refused,
    // Plugins set up as in the daemon (plan shows what they contribute); probes, helpers, scripts, event feeds and mail stay idle.
    startProbe: idleServices.startProbe,
    icmpBackend: () => 'none (dry run)',
    runScript: idleServices.runScript,
    supervise: idleServices.supervise,
    conntrackFeed: () => idleServices.conntrackFeed(createConntrackFeed),
    updateMap: async (table, map) => refuse(`update map ${map} of table ${table}`),
    replaceTimedSets: async (table) => refuse(`replace run-time set elements of table ${table}`),
    linkBytes: (devices) => readLinkBytes(devices),
    files: {
      readTextPrefix: (file, max) => systemFiles.readTextPrefix(file, max),
      trustedExecutables: (dir, o) => systemFiles.trustedExecutables(dir, o),
      writeAtomic: async (file) => refuse(`write ${file}`),
      createIfMissing: (file) => skip(`create ${file}`),
      mkdir: (dir) => skip(`create ${dir}`),
      watchDir: () => () => undefined,
    },
    mail: idleServices.mail,
    http: idleHttp,
    stateStore: store,
    // Record files are the daemon's bookkeeping (history, quota use), not a change a plan shows: read, never written.
    privateFiles: (dir, warn) => {
      const real = privateFiles(dir, warn);
      return { read: (name) => real.read(name), write: async () => undefined };
    },
    notifier: noNotifier,
  };
}
