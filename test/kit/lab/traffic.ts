// Traffic helpers for lab tests: report servers, bounded TCP bursts, long-lived connections that notice resets.
import { fileURLToPath } from 'node:url';
import type { Lab } from './topology.ts';
import type { ManagedProcess } from './processes.ts';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const REPORT_SERVER = here('./servers/report-server.ts');
const BURST_CLIENT = here('./clients/burst-client.ts');
const LONG_LIVED_CLIENT = here('./clients/long-lived-client.ts');
const TSX = import.meta.resolve('tsx');

/** argv that runs a TypeScript file with this repo's node + tsx. */
export function nodeArgv(file: string, args: string[], nodeFlags: string[] = []): string[] {
  return [process.execPath, ...nodeFlags, '--import', TSX, file, ...args];
}

/** Starts report-server in `ns` bound to `bind` (TCP `ports`, optional UDP), resolved once it prints `ready`. */
export async function startServerInNs(
  lab: Lab,
  ns: string,
  bind: string,
  port: number | number[],
  udpPort?: number,
): Promise<ManagedProcess> {
  const tcp = (Array.isArray(port) ? port : [port]).join(',');
  const args = ['--bind', bind, '--tcp', tcp, ...(udpPort === undefined ? [] : ['--udp', String(udpPort)])];
  const proc = lab.spawn(ns, nodeArgv(REPORT_SERVER, args));
  try {
    await proc.waitForLine('ready', 15000);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}

/** The standard servers in inet: server address TCP 80 and 8080, UDP 5353; server2 address the same. */
export async function startServers(lab: Lab): Promise<{ main: ManagedProcess; second: ManagedProcess }> {
  const [main, second] = await Promise.all([
    startServerInNs(lab, lab.ns.inet, lab.addr.server, [80, 8080], 5353),
    startServerInNs(lab, lab.ns.inet, lab.addr.server2, [80, 8080], 5353),
  ]);
  return { main, second };
}

export interface BurstOptions {
  count: number;
  concurrency?: number;
  port?: number;
  to?: string;
  bind?: string;
  timeoutMs?: number;
}
export interface BurstResult {
  ok: number;
  failed: number;
  bySource: Record<string, number>;
  ms: number;
  /** The ISP of every answer, in the order the answers came (0: not an ISP's address). */
  ispOrder: number[];
  /** byIsp[i] = connections the server saw from ispPublic(i); index 0 unused. */
  byIsp: number[];
  /** Connections seen from an address that is no ISP's public address. */
  other: number;
}

/** Runs burst-client in `ns`: `count` TCP connections (default to server:80), bounded by count × timeoutMs. */
export async function burst(lab: Lab, ns: string, o: BurstOptions): Promise<BurstResult> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const args = [
    '--to',
    o.to ?? lab.addr.server,
    '--port',
    String(o.port ?? 80),
    '--count',
    String(o.count),
    '--concurrency',
    String(o.concurrency ?? 10),
    '--timeout-ms',
    String(timeoutMs),
    ...(o.bind ? ['--bind', o.bind] : []),
  ];
  const r = await lab.exec(ns, nodeArgv(BURST_CLIENT, args), { timeout: o.count * timeoutMs + 15000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: Omit<BurstResult, 'byIsp' | 'other' | 'ispOrder'> & { order: string[] };
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`burst-client printed no JSON: ${r.stdout} ${r.stderr}`);
  }
  const byIsp = new Array<number>(lab.wans + 1).fill(0);
  let other = 0;
  for (const [src, n] of Object.entries(parsed.bySource)) {
    const i = lab.ispForPublicAddress(src);
    if (i === undefined) other += n;
    else byIsp[i] += n;
  }
  const { order, ...rest } = parsed;
  return { ...rest, byIsp, other, ispOrder: order.map((src) => lab.ispForPublicAddress(src) ?? 0) };
}

export interface LongLived {
  /** The source address the server reported when the connection opened. */
  seenAs: string;
  /** Sends a line and returns the echoed reply; throws if the connection was reset, closed or stalls. */
  check(timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** Opens one TCP connection from `ns` to `to:port` (default server:80) and keeps it open. */
export async function openLongLived(
  lab: Lab,
  ns: string,
  o: { to?: string; port?: number; bind?: string } = {},
): Promise<LongLived> {
  const args = ['--to', o.to ?? lab.addr.server, '--port', String(o.port ?? 80), ...(o.bind ? ['--bind', o.bind] : [])];
  const proc = lab.spawn(ns, nodeArgv(LONG_LIVED_CLIENT, args));
  let first: string;
  try {
    first = await proc.nextLine(15000);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  if (!first.startsWith('connected ')) {
    await proc.kill();
    throw new Error(`long-lived connection failed: ${first}`);
  }
  let seq = 0;
  let broken: string | undefined;
  return {
    seenAs: first.slice('connected '.length).trim(),
    async check(timeoutMs = 2000) {
      if (broken) throw new Error(`connection already broken: ${broken}`);
      const token = `probe-${++seq}`;
      proc.write(`${token}\n`);
      let line: string;
      try {
        line = await proc.nextLine(timeoutMs);
      } catch {
        broken = proc.hasExited ? 'client exited' : `no reply within ${timeoutMs} ms`;
        throw new Error(`long-lived connection: ${broken}`);
      }
      if (!line.startsWith('reply ') || !line.endsWith(` ${token}`)) {
        broken = line;
        throw new Error(`long-lived connection lost: ${line}`);
      }
      return line.slice('reply '.length);
    },
    async close() {
      await proc.kill();
    },
  };
}
