// The NFQUEUE kernel service behind the plugin context: queue rules applied, planned (dry run) or kept in memory, and queue listeners.
import type { Runner } from '../process/runner.ts';
import { startNfqueue, type NfqueueService, type NfqueueServiceOptions } from './index.ts';
import { applyCommands, applyNfqRules, removeNfqRules, type NfqRulesSpec } from './rules.ts';
import { weightOf, type RuntimeWan } from './runtime.ts';
import type { NewConnection, NfqueueStrategy } from './strategy.ts';

export interface NfqueueKernel {
  /** The iptables commands `applyRules` would run now (reads the current rules, changes nothing). */
  planRules(spec: NfqRulesSpec): Promise<string[][]>;
  /** Brings mwan's queue chains and jump to `spec`; returns the commands that changed something (none: already so). */
  applyRules(spec: NfqRulesSpec): Promise<string[][]>;
  /** Removes mwan's queue chains and the jump carrying mwan's comment, nothing else; returns the commands that did. */
  removeRules(): Promise<string[][]>;
  /** Binds a queue and decides its packets (rejects when the queue cannot be bound or the strategy cannot be built). */
  start(o: NfqueueServiceOptions): Promise<NfqueueService>;
}

/** iptables operations that only read. */
const READ_OPS = new Set(['-S', '-C', '-L']);
const operation = (argv: string[]) => argv.find((a) => /^-[SCLNAFIDX]$/.test(a));

/** A runner that runs reads and records changes: runs them too (keeping those that succeeded), or only records them (`dry`). */
function recording(run: Runner, dry: boolean): { run: Runner; ran: string[][] } {
  const ran: string[][] = [];
  return {
    ran,
    run: async (argv, o) => {
      if (READ_OPS.has(operation(argv) ?? '')) return run(argv, o);
      if (dry) {
        ran.push(argv);
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      const r = await run(argv, o);
      if (r.exitCode === 0) ran.push(argv);
      return r;
    },
  };
}

const idleStats = (): ReturnType<NfqueueService['stats']> => ({
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
});

/** The real kernel (`dry`: reads it, runs no change and binds no queue: what `mwanctl plan` uses). */
export class SystemNfqueue implements NfqueueKernel {
  constructor(
    private readonly run: Runner,
    private readonly dry = false,
  ) {}

  async planRules(spec: NfqRulesSpec): Promise<string[][]> {
    const r = recording(this.run, true);
    await applyNfqRules(r.run, spec);
    return r.ran;
  }

  async applyRules(spec: NfqRulesSpec): Promise<string[][]> {
    const r = recording(this.run, this.dry);
    await applyNfqRules(r.run, spec);
    return r.ran;
  }

  async removeRules(): Promise<string[][]> {
    const r = recording(this.run, this.dry);
    await removeNfqRules(r.run);
    return r.ran;
  }

  async start(o: NfqueueServiceOptions): Promise<NfqueueService> {
    if (!this.dry) return startNfqueue(o);
    o.factory({ wans: () => [], connections: () => 0, weight: () => 1, options: o.strategyOptions ?? {} }).close?.();
    return { queue: o.queue, strategy: o.strategy, stats: idleStats, close: async () => {} };
  }
}

/** Queues and rules in memory, for unit tests: `decide(queue, conn)` asks a started queue's strategy, as a packet would. */
export class MemoryNfqueue implements NfqueueKernel {
  rules: NfqRulesSpec | null = null;
  readonly queues = new Map<
    number,
    {
      options: NfqueueServiceOptions;
      strategy: NfqueueStrategy;
      /** Sets the family of the connection being decided; returns its WANs. */
      setFamily(f: NewConnection['family']): readonly RuntimeWan[];
    }
  >();

  async planRules(spec: NfqRulesSpec): Promise<string[][]> {
    return JSON.stringify(spec) === JSON.stringify(this.rules) ? [] : applyCommands(spec);
  }

  async applyRules(spec: NfqRulesSpec): Promise<string[][]> {
    const commands = await this.planRules(spec);
    this.rules = structuredClone(spec);
    return commands;
  }

  async removeRules(): Promise<string[][]> {
    if (!this.rules) return [];
    this.rules = null;
    return [['iptables', '-w', '-t', 'nat', '-X', 'MWAN_NFQ']];
  }

  async start(o: NfqueueServiceOptions): Promise<NfqueueService> {
    if (this.queues.has(o.queue)) throw new Error(`nfqueue: bind queue ${o.queue}: EPERM (another listener has it)`);
    let family: NewConnection['family'] = 'ipv4';
    const wansNow = () => (family === 'ipv6' && o.wans6 ? o.wans6() : o.wans());
    const strategy = o.factory({
      wans: () => wansNow().map((w) => w.name),
      connections: () => 0,
      weight: (wan) => weightOf(wansNow(), wan),
      options: o.strategyOptions ?? {},
    });
    this.queues.set(o.queue, {
      options: o,
      strategy,
      setFamily: (f) => {
        family = f;
        return wansNow();
      },
    });
    return {
      queue: o.queue,
      strategy: o.strategy,
      stats: idleStats,
      close: async () => {
        strategy.close?.();
        this.queues.delete(o.queue);
      },
    };
  }

  /** The WAN a started queue's strategy names for `conn` (undefined: the kernel's choice stands, as the runtime does). */
  decide(queue: number, conn: Partial<NewConnection> = {}): string | undefined {
    const q = this.queues.get(queue);
    if (!q) throw new Error(`no listener on queue ${queue}`);
    const full: NewConnection = {
      family: 'ipv4',
      src: '10.0.0.2',
      dst: '192.0.2.1',
      proto: 'tcp',
      iifIndex: 2,
      mark: 0,
      ...conn,
    };
    const wans = q.setFamily(full.family);
    const name = q.strategy.decide(full);
    return wans.some((w) => w.name === name) ? name : undefined;
  }
}
