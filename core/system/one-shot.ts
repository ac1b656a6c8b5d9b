// One-shot commands (plan, apply) set plugins up as the daemon does, but run none of the daemon's services: probes, helpers, scripts, event feeds, queue listeners, mail are idle here.
import type { NfqueueKernel } from './nfqueue/adapters.ts';
import type { NfqueueService } from './nfqueue/index.ts';
import type { KernelAdapter } from './kernel/adapter.ts';
import type { System } from './system.ts';
import { idleHttp } from './http/idle.ts';

/** The services a plugin starts in setup, idle: a plugin sets up and contributes its state, and nothing runs. */
export const idleServices: Pick<System, 'startProbe' | 'supervise' | 'runScript'> & {
  conntrackFeed(list: System['conntrackFeed']): ReturnType<System['conntrackFeed']>;
  mail: System['mail'];
} = {
  startProbe: () => ({ stop: () => undefined }),
  supervise: (spec) => ({
    name: spec.name,
    pid: undefined,
    starts: 0,
    signal: () => false,
    stop: async () => undefined,
  }),
  runScript: async () => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    ms: 0,
    stderr: 'not run: a one-shot command runs no scripts',
  }),
  // Listing the table only reads; following its events is the daemon's.
  conntrackFeed: (feed) => {
    const real = feed();
    return { subscribe: () => () => undefined, list: () => real.list() };
  },
  mail: {
    open: async () => ({
      sendMail: async () => {
        throw new Error('not sent: a one-shot command sends no mail');
      },
      close: () => undefined,
    }),
  },
};

/** NFQUEUE rules as the kernel's, but no queue is bound (the daemon's listeners decide; the rules' bypass meanwhile). */
export function idleNfqueue(real: NfqueueKernel): NfqueueKernel {
  return {
    planRules: (spec) => real.planRules(spec),
    applyRules: (spec) => real.applyRules(spec),
    removeRules: () => real.removeRules(),
    start: async (o): Promise<NfqueueService> => ({
      queue: o.queue,
      strategy: o.strategy,
      close: async () => undefined,
      stats: () => ({
        packets: 0,
        verdicts: 0,
        batchMessages: 0,
        sends: 0,
        kernelErrors: 0,
        socketErrors: 0,
        decided: {},
        kernelChoice: 0,
        strategyErrors: 0,
        notIpv4: 0,
      }),
    }),
  };
}

/** `system` for a one-shot command: its kernel and files, with the daemon's services idle. */
export function oneShotSystem(system: System): System {
  const kernel = system.kernel;
  const nfqueue = idleNfqueue(kernel.nfqueue);
  // The kernel's own methods stay bound to it; only `nfqueue` is replaced.
  const oneShotKernel = new Proxy(kernel, {
    get: (k, p) => {
      if (p === 'nfqueue') return nfqueue;
      const v: unknown = Reflect.get(k, p, k);
      return typeof v === 'function' ? v.bind(k) : v;
    },
  }) as KernelAdapter;
  return {
    kind: system.kind,
    kernel: oneShotKernel,
    updateMap: (table, map, add, remove) => system.updateMap(table, map, add, remove),
    replaceTimedSets: (table, sets) => system.replaceTimedSets(table, sets),
    linkBytes: (devices) => system.linkBytes(devices),
    files: system.files,
    stateStore: (dir) => system.stateStore(dir),
    // Record files are the daemon's (history, quota usage): a one-shot command reads them and never writes.
    privateFiles: (dir, warn) => {
      const files = system.privateFiles(dir, warn);
      return { read: (name) => files.read(name), write: async () => undefined };
    },
    notifier: system.notifier,
    startProbe: idleServices.startProbe,
    supervise: idleServices.supervise,
    runScript: idleServices.runScript,
    conntrackFeed: () => idleServices.conntrackFeed(() => system.conntrackFeed()),
    mail: idleServices.mail,
    http: idleHttp,
    icmpBackend: () => 'none (one-shot command)',
  };
}
