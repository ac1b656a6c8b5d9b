// The real kernel adapter: reads with `ip -json`/`nft -json`, applies with one `ip -batch` and one `nft -f` (all or nothing), watches `ip monitor` and `nft monitor`.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { RouteSpec, RuleSpec } from '../../reconcile/desired.ts';
import type { Ownership } from './ip-read.ts';
import type {
  ApplyPlan,
  KernelAdapter,
  KernelOwnership,
  KernelSnapshot,
  LinkHint,
  NftCounters,
  NftFamily,
  NftJsonItem,
  ObservedNetwork,
  OwnWatch,
  SavedState,
  LinkState,
} from './adapter.ts';
import { applyAllOrNothing } from './atomic-apply.ts';
import { monitorLines } from './line-monitor.ts';
import { inProcessNft } from './nft-native.ts';
import { IpSession } from './ip-session.ts';
import { IpReadSession } from './ip-read-session.ts';
import { parseNftMonitorLine } from './nft-monitor.ts';
import { diffIpFamilies } from '../../reconcile/ip-diff.ts';
import type { IpFamily } from '../../reconcile/desired.ts';
import { parseMonitorLine, parseOwnIpLine } from './monitor-parse.ts';
import { parseRoutes, parseRules } from './ip-read.ts';
import { parseRoutes6, parseRules6 } from './ip6-read.ts';
import { parseObserved6 } from './observe6-parse.ts';
import { parseNftCounters, parseNftTable } from './nft-read.ts';
import { parseForeignDefaults, parseLinks } from './observe-parse.ts';
import { parseForeignRoutes, type ForeignRoute, type TableOwnership } from './table-ownership.ts';
import { execaRunner, type Runner } from '../process/runner.ts';
import { validateSysctlKey } from './sysctl-keys.ts';
import { SystemNfqueue, type NfqueueKernel } from '../nfqueue/adapters.ts';
import { deleteConnectionsByMark } from '../conntrack/delete.ts';
import { neighbourFlushArgv, refreshNeighbours } from './neighbours.ts';
import { Ipv6Reads } from './ipv6-reads.ts';

const PROC_SYS = '/proc/sys/';
const NFT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The long-lived `ip` sessions, one per family and use for the whole process: a reload builds a new adapter, and
 * sessions per adapter would leave the old ones' `ip` processes running until the daemon exits.
 */
const READ_SESSIONS: Partial<Record<IpFamily, IpReadSession>> = {};
const APPLY_SESSIONS: Partial<Record<IpFamily, IpSession>> = {};

export class SystemKernel implements KernelAdapter {
  readonly kind: 'system' | 'dry-run' = 'system';
  /** Every command the adapter ran to change state, in order (for `--print` and tests). */
  readonly applied: { tool: 'nft' | 'ip' | 'ip -6' | 'sysctl'; input: string }[] = [];
  /** Where the last apply's time went, in ms (the bench prints it). */
  lastApplyMs = { nft: 0, ip: 0 };

  /** Queue rules applied with iptables, queues bound for real. */
  readonly nfqueue: NfqueueKernel;

  /** Whether reads include `ip -6` (not while the configuration has no IPv6 and mwan holds none: see ./ipv6-reads.ts). */
  private readonly ipv6 = new Ipv6Reads();

  constructor(
    protected readonly run: Runner = execaRunner,
    nfqueue?: NfqueueKernel,
  ) {
    this.nfqueue = nfqueue ?? new SystemNfqueue(run);
  }

  /**
   * Runs several `ip -json` show commands in one `ip -batch`; returns one JSON text per command (`-N`: tables and
   * protocols as numbers, whatever rt_tables/rt_protos name them). Through a long-lived read session per family (no
   * process start per read) unless tests run commands or MWAN_IP=process; a session that fails is retried once as a
   * process of its own, whose error (a genuine one) is the one thrown.
   */
  private async ipShow(commands: string[], family: IpFamily = 'ipv4'): Promise<string[]> {
    const argv = ['ip', '-json', '-N', family === 'ipv6' ? '-6' : '-4', '-batch', '-'];
    if (this.run === execaRunner && process.env.MWAN_IP !== 'process') {
      const session = (READ_SESSIONS[family] ??= new IpReadSession(argv));
      const outputs = await session.show(commands).catch(() => undefined);
      if (outputs) return outputs;
    }
    const { stdout } = await this.run(argv, { input: `${commands.join('\n')}\n` });
    const outputs = stdout.split('\n').filter((line) => line.trim() !== '');
    if (outputs.length !== commands.length)
      throw new Error(`ip -batch returned ${outputs.length} outputs for ${commands.length} commands`);
    return outputs;
  }

  /** mwan's nft table, read in process through libnftables when the addon has it (no `nft -j` process per snapshot). */
  private async nftTable(own: KernelOwnership) {
    if (!NFT_NAME.test(own.nftTable)) throw new Error(`bad nft table: ${JSON.stringify(own.nftTable)}`);
    const text = await this.nftJsonList(['list', 'table', 'inet', own.nftTable]);
    return text === null ? null : parseNftTable(text);
  }

  /** Told by the engine's builder: whether the configuration puts IPv6 in play (until then both families are read). */
  useIpv6(inPlay: boolean): void {
    this.ipv6.setInPlay(inPlay);
  }

  /** `commands` for `ip -6`, or empty outputs without a process when IPv6 needs no read (see ./ipv6-reads.ts). */
  private async ipShow6(commands: string[], token: { read: boolean }): Promise<string[]> {
    return token.read ? this.ipShow(commands, 'ipv6') : commands.map(() => '[]');
  }

  /** mwan's IPv6 rules and routes parsed from `ip -6` outputs, noting whether it holds any. */
  private own6(token: { read: boolean; generation: number }, own: Ownership, rules6: string, routes6: string) {
    const six = { rules: parseRules6(rules6, own), routes: parseRoutes6(routes6, own) };
    if (token.read) this.ipv6.saw(token, six.rules.length + six.routes.length);
    return six;
  }

  /** mwan's routes and rules of both families: one `ip -4` and (when IPv6 needs reading) one `ip -6` process, side by side. */
  private async readIp(own: KernelOwnership | Ownership): Promise<{ rules: RuleSpec[]; routes: RouteSpec[] }> {
    const token = this.ipv6.begin();
    const show = ['rule show', 'route show table all'];
    const [[rules, routes], [rules6, routes6]] = await Promise.all([this.ipShow(show), this.ipShow6(show, token)]);
    const six = this.own6(token, own, rules6, routes6);
    return {
      rules: [...parseRules(rules, own), ...six.rules],
      routes: [...parseRoutes(routes, own), ...six.routes],
    };
  }

  async read(own: KernelOwnership): Promise<KernelSnapshot> {
    const [nft, ip] = await Promise.all([this.nftTable(own), this.readIp(own)]);
    return { nft, ...ip };
  }

  /** Routes in mwan's tables that another tool made (checked before the first apply; see table-ownership.ts). */
  async foreignRoutes(own: TableOwnership): Promise<ForeignRoute[]> {
    const [routes] = await this.ipShow(['route show table all']);
    return parseForeignRoutes(routes, own);
  }

  async observe(own: KernelOwnership): Promise<ObservedNetwork> {
    return (await this.snapshot(own)).observed;
  }

  /**
   * Links, routes, rules and mwan's nft table, read side by side (nft, `ip -4`, `ip -6`). Without IPv6 in play only
   * `ip -6 addr show` is read of IPv6: a WAN device's global address still gives the WAN an IPv6 side (whose routes
   * and rules, once applied, put IPv6 in play); IPv6 rules and routes are assumed empty (see ./ipv6-reads.ts).
   */
  async snapshot(own: KernelOwnership): Promise<{ observed: ObservedNetwork; current: KernelSnapshot }> {
    const token = this.ipv6.begin();
    const show = ['addr show', 'rule show', 'route show table all'];
    const [nft, [addrs, rules, routes], [addrs6, rules6 = '[]', routes6 = '[]']] = await Promise.all([
      this.nftTable(own),
      this.ipShow(show),
      this.ipShow(token.read ? show : ['addr show'], 'ipv6'),
    ]);
    const six = this.own6(token, own, rules6, routes6);
    return {
      observed: {
        links: withAddresses6(parseLinks(addrs), parseLinks(addrs6)),
        defaults: parseForeignDefaults(routes, own),
        ipv6: parseObserved6(addrs6, routes6, own),
      },
      current: {
        nft,
        rules: [...parseRules(rules, own), ...six.rules],
        routes: [...parseRoutes(routes, own), ...six.routes],
      },
    };
  }

  async saveState(own: KernelOwnership, sysctlKeys: string[]): Promise<SavedState> {
    const [listing, current, sysctls] = await Promise.all([
      this.run(['nft', 'list', 'table', 'inet', own.nftTable], { allowFailure: true }),
      this.read(own),
      this.readSysctls(sysctlKeys),
    ]);
    return {
      nftText: listing.exitCode === 0 ? listing.stdout : null,
      routes: current.routes,
      rules: current.rules,
      sysctls,
    };
  }

  async restoreState(own: KernelOwnership, saved: SavedState): Promise<void> {
    const current = await this.read(own);
    const nft = `${current.nft ? `delete table inet ${own.nftTable}\n` : ''}${saved.nftText ?? ''}`;
    const sysctl = Object.entries(saved.sysctls).flatMap(([key, value]) => (value === null ? [] : [{ key, value }]));
    const ip = diffIpFamilies(saved, current, own.routeProtocol);
    await this.apply({
      nft: nft.trim() ? nft : '',
      ip: ip.ip,
      ip6: ip.ip6,
      sysctl,
      before: { routes: current.routes, rules: current.rules, ownership: own },
    });
  }

  async deleteConnections(mark: number, mask: number, family?: 'ipv4' | 'ipv6'): Promise<number> {
    return deleteConnectionsByMark(mark, mask, this.run, undefined, family);
  }

  async refreshNeighbours(device: string, addresses: string[]): Promise<string[]> {
    return refreshNeighbours(this.run, device, addresses);
  }

  /**
   * Read synchronously: /proc/sys never waits on a disk, and 130 reads (64 WANs) take about 2 ms this way against
   * 15–17 ms through the thread pool's open/read/close round trips (every reconcile reads them).
   */
  async readSysctls(keys: string[]): Promise<Record<string, string | null>> {
    const read = (k: string): string | null => {
      const file = PROC_SYS + validateSysctlKey(k); // a bad key throws (it is never read)
      try {
        return readFileSync(file, 'utf8').trim();
      } catch {
        return null;
      }
    };
    return Object.fromEntries(keys.map((k) => [k, read(k)]));
  }

  async listNftTable(family: NftFamily, name: string): Promise<NftJsonItem[] | null> {
    if (!['inet', 'ip', 'ip6'].includes(family) || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name))
      throw new Error(`bad nft table: ${JSON.stringify(`${family} ${name}`)}`);
    const text = await this.nftJsonList(['list', 'table', family, name]);
    if (text === null) return null;
    const items = (JSON.parse(text) as { nftables?: NftJsonItem[] }).nftables;
    if (!Array.isArray(items)) throw new Error(`nft -j list table ${family} ${name}: no "nftables" array`);
    return items.filter((i) => !i.metainfo);
  }

  async readCounters(table: string): Promise<NftCounters | null> {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(table)) throw new Error(`bad nft table: ${JSON.stringify(table)}`);
    const text = await this.nftJsonList(['list', 'counters', 'table', 'inet', table]);
    return text === null ? null : parseNftCounters(text);
  }

  /**
   * `nft -j <command>` (a `list` of validated names): in-process through libnftables when the addon has it (no
   * process start: the traffic plugin reads its counters every few seconds), else the `nft` process. The JSON text,
   * or null when the table does not exist.
   */
  protected async nftJsonList(command: string[]): Promise<string | null> {
    const lib = this.run === execaRunner ? inProcessNft() : { error: 'a test runner' };
    if (!('error' in lib) && lib.list) {
      try {
        return lib.list(command.join(' '));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/No such file or directory/.test(message)) return null;
        throw new Error(`nft -j ${command.join(' ')} (libnftables) failed: ${message.trim()}`);
      }
    }
    const r = await this.run(['nft', '-j', ...command], { allowFailure: true });
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) return null;
      throw new Error(`nft -j ${command.join(' ')} failed: ${r.stderr.trim()}`);
    }
    return r.stdout;
  }

  /**
   * All or nothing: sysctls, then the `ip -batch`, then `nft -f` (one kernel transaction: nothing after it can fail).
   * When a step fails, what the earlier steps changed is put back (see ./atomic-apply.ts) and the error names the step.
   */
  async apply(plan: ApplyPlan): Promise<void> {
    this.ipv6.applying(plan);
    const spent = { nft: 0, ip: 0 };
    this.lastApplyMs = spent;
    await applyAllOrNothing(plan, {
      readSysctls: (keys) => this.readSysctls(keys),
      writeSysctl: async (key, value) => {
        await writeFile(PROC_SYS + validateSysctlKey(key), `${value}\n`);
        this.applied.push({ tool: 'sysctl', input: `${key}=${value}` });
      },
      ipBatch: async (lines, family = 'ipv4') => {
        const input = `${lines.join('\n')}\n`;
        const t0 = performance.now();
        await this.ipLines(lines, input, family);
        spent.ip += performance.now() - t0;
        this.applied.push({ tool: family === 'ipv6' ? 'ip -6' : 'ip', input });
      },
      nft: async (script) => {
        const t0 = performance.now();
        await this.nftScript(script);
        spent.nft += performance.now() - t0;
        this.applied.push({ tool: 'nft', input: script });
      },
      readIp: (own) => this.readIp(own),
    });
  }

  /**
   * An `ip -batch` (`ip -6 -batch` for IPv6): through a long-lived session per family (no process start) unless tests
   * run commands or MWAN_IP=process.
   */
  protected async ipLines(lines: string[], input: string, family: IpFamily = 'ipv4'): Promise<void> {
    const argv = family === 'ipv6' ? ['ip', '-6', '-batch', '-'] : ['ip', '-batch', '-'];
    if (this.run !== execaRunner || process.env.MWAN_IP === 'process') {
      await this.run(argv, { input });
      return;
    }
    const session = (APPLY_SESSIONS[family] ??= new IpSession(argv));
    await session.run(lines);
  }

  /**
   * One nft transaction: in-process through libnftables when the addon has it (no process start: the fast path's
   * few milliseconds), else `nft -f -`. Both read the same script; a failure throws with nft's own error text.
   */
  protected async nftScript(script: string): Promise<void> {
    const lib = this.run === execaRunner ? inProcessNft() : { error: 'a test runner' };
    if ('error' in lib) {
      await this.run(['nft', '-f', '-'], { input: script });
      return;
    }
    const error = lib.run(script);
    if (!error) return;
    // libnftables points its message at the script's first line: `nft -c` (check, never commits) says it as
    // `nft -f` would, with the failing line; nothing was committed either way.
    await this.run(['nft', '-c', '-f', '-'], { input: script });
    throw new Error(`nft (libnftables) failed: ${error.trim()}`);
  }

  watch(onChange: (hint?: LinkHint) => void, own?: OwnWatch): () => void {
    // -N: numeric tables and protocols, so names in rt_tables / rt_protos change nothing in what is recognised.
    const stopIp = monitorLines(
      ['ip', '-N', 'monitor', 'link', 'address', 'route', ...(own ? ['rule'] : [])],
      (lines) => {
        let plain = false;
        for (const line of lines) {
          const hint = parseMonitorLine(line);
          const mine = !hint && own ? parseOwnIpLine(line, own.ownership) : undefined;
          if (hint) onChange(hint);
          else if (mine) own!.onChange(mine);
          else if (line.trim() && !line.startsWith(' ') && !/^(Deleted )?\d+:\t/.test(line)) plain = true;
        }
        if (plain) onChange();
      },
    );
    const stopNft = own
      ? monitorLines(['nft', 'monitor'], (lines) => {
          for (const line of lines) {
            const change = parseNftMonitorLine(line, own.ownership.nftTable);
            if (change) own.onChange(change);
          }
        })
      : undefined;
    return () => {
      stopIp();
      stopNft?.();
    };
  }
}

/** Reads the real kernel but applies nothing: `apply` records the plan for printing. */
export class DryRunKernel extends SystemKernel {
  override readonly kind = 'dry-run' as const;
  readonly planned: ApplyPlan[] = [];

  constructor(run: Runner = execaRunner) {
    super(run, new SystemNfqueue(run, true));
  }

  override async apply(plan: ApplyPlan): Promise<void> {
    this.planned.push(plan);
  }

  /** Conntrack deletions a plugin asked for, kept for printing: a dry run deletes nothing. */
  readonly wouldDelete: { mark: number; mask: number; family?: 'ipv4' | 'ipv6' }[] = [];

  override async deleteConnections(mark: number, mask: number, family?: 'ipv4' | 'ipv6'): Promise<number> {
    this.wouldDelete.push({ mark, mask, ...(family ? { family } : {}) });
    return 0;
  }

  /** Neighbour flushes asked for, kept for printing (validated as for real): a dry run changes nothing. */
  readonly wouldRefresh: string[][] = [];

  override async refreshNeighbours(device: string, addresses: string[]): Promise<string[]> {
    for (const a of addresses) this.wouldRefresh.push(neighbourFlushArgv(device, a));
    return [];
  }
}

/** IPv4's view of the links with each device's global IPv6 addresses (from `ip -6 addr show`) added. */
function withAddresses6(links: LinkState[], links6: LinkState[]): LinkState[] {
  const six = new Map(links6.map((l) => [l.name, l.addresses6 ?? []]));
  return links.map((l) => ({ ...l, addresses6: six.get(l.name) ?? [] }));
}
