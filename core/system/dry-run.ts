// The dry-run system (`mwanctl plan`): reads the real kernel and files, changes nothing — each change is printed and refused.
import { DryRunKernel } from './kernel/system-adapter.ts';
import { readLinkBytes } from './kernel/link-stats.ts';
import { createConntrackFeed } from './conntrack/feed.ts';
import { systemFiles } from './files.ts';
import { StateStore } from './state-store.ts';
import type { System } from './system.ts';
import { noNotifier } from './notify.ts';

/** Thrown for a side effect a dry run does not cause; the message says what would have happened. */
export class DryRunRefusal extends Error {}

export interface DryRunSystem extends System {
  readonly kernel: DryRunKernel;
  /** What was refused, in order: one line each. */
  readonly refused: string[];
}

/** `print` gets one line per refused change (stderr by default: stdout carries the plan). */
export function dryRunSystem(print: (line: string) => void = (l) => process.stderr.write(`mwan (dry run): ${l}\n`)): DryRunSystem {
  const refused: string[] = [];
  const refuse = (what: string): never => {
    refused.push(what);
    print(`would ${what}; not done`);
    throw new DryRunRefusal(`dry run: would ${what}`);
  };
  const feed = createConntrackFeed();
  const store = (dir: string) => {
    const real = new StateStore(dir);
    return { load: () => real.load(), update: async () => refuse(`write the state file in ${dir}`), save: async () => refuse(`write the state file in ${dir}`) };
  };
  return {
    kind: 'dry-run',
    kernel: new DryRunKernel(),
    refused,
    startProbe: (spec, ctx) => refuse(`probe ${spec.target} (${spec.method}) from ${ctx.source}`),
    icmpBackend: () => 'none (dry run)',
    runScript: async (file) => refuse(`run ${file}`),
    supervise: (spec) => refuse(`start ${spec.argv.join(' ')}`),
    // Listing the table only reads; following its events would start a process.
    conntrackFeed: () => ({ subscribe: () => refuse('follow conntrack events'), list: () => feed.list() }),
    updateMap: async (table, map) => refuse(`update map ${map} of table ${table}`),
    linkBytes: (devices) => readLinkBytes(devices),
    files: {
      readTextPrefix: (file, max) => systemFiles.readTextPrefix(file, max),
      trustedExecutables: (dir, o) => systemFiles.trustedExecutables(dir, o),
      writeAtomic: async (file) => refuse(`write ${file}`),
      createIfMissing: async (file) => refuse(`create ${file}`),
      mkdir: async (dir) => refuse(`create ${dir}`),
      watchDir: (dir) => refuse(`watch ${dir}`),
    },
    mail: { open: async () => refuse('open a mail transport') },
    stateStore: store,
    notifier: noNotifier,
  };
}
