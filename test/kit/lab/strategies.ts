// Shared pieces of the strategy lab tests: a daemon with policies and rules, reading a policy's chain, ISP shaping.
import { fileURLToPath } from 'node:url';
import { createLab, type Lab, type ManagedProcess } from './topology.ts';
import { nodeArgv, startServers } from './traffic.ts';
import { labConfig, mwanFor, type ConfigOptions, type Mwan } from './fixture.ts';
import { layoutOf } from './helpers.ts';
import { sleep } from '../time.ts';

export interface StrategyLab {
  lab: Lab;
  mwan: Mwan;
  stop(): Promise<void>;
}

/** A 3-WAN lab, the standard servers, and a daemon whose config gets `extra` (policies, rules, defaultPolicy…). */
export async function startStrategyLab(
  extra: Record<string, unknown>,
  o: Omit<ConfigOptions, 'extra'> & { wans?: ConfigOptions['wans'] } = {},
): Promise<StrategyLab> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    mwan = mwanFor(lab, (dir) => labConfig(lab, dir, { ...o, extra }));
    await Promise.all([startServers(lab), mwan.startDaemon()]);
    const m = mwan;
    return {
      lab,
      mwan: m,
      stop: async () => {
        try {
          await m.cleanup();
        } finally {
          await lab.teardown();
        }
      },
    };
  } catch (err) {
    try {
      await mwan?.cleanup();
    } finally {
      await lab.teardown();
    }
    throw err;
  }
}

/** The text of one of mwan's chains in the router ('' when absent). */
export async function chainText(lab: Lab, chain: string): Promise<string> {
  const r = await lab.exec(lab.ns.router, ['nft', 'list', 'chain', 'inet', 'mwan', chain], { reject: false });
  return r.exitCode === 0 ? r.stdout : '';
}

/** ISP number of each WAN id, from the config the test wrote. */
export function ispById(mwan: Mwan): Map<number, number> {
  return new Map([...layoutOf(mwan).wans].map(([name, ids]) => [ids.id, Number(name.replace('isp', ''))]));
}

/** The ISPs a policy chain currently sends new connections to, with their numgen slot counts. */
export async function chainShares(lab: Lab, mwan: Mwan, chain: string): Promise<Record<number, number>> {
  const text = await chainText(lab, chain);
  const isp = ispById(mwan);
  const out: Record<number, number> = {};
  const vmap = /numgen \w+ mod \d+ vmap \{([^}]*)\}/.exec(text);
  if (vmap) {
    for (const m of vmap[1].matchAll(/(\d+)(?:-(\d+))? : jump to_wan(\d+)/g)) {
      const n = (m[2] === undefined ? 0 : Number(m[2]) - Number(m[1])) + 1;
      const i = isp.get(Number(m[3]))!;
      out[i] = (out[i] ?? 0) + n;
    }
  } else {
    const single = /^\s*jump to_wan(\d+)\s*$/m.exec(text);
    if (single) out[isp.get(Number(single[1]))!] = 1;
  }
  return out;
}

/** The chain's shares read every `everyMs` until `work` settles: what the kernel's choice was while it ran. */
export async function sharesWhile<T>(
  lab: Lab,
  mwan: Mwan,
  chain: string,
  work: Promise<T>,
  everyMs = 200,
): Promise<{ result: T; seen: Record<number, number>[] }> {
  const seen: Record<number, number>[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      seen.push(await chainShares(lab, mwan, chain));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return { result: await work, seen };
  } finally {
    done = true;
    await poll;
  }
}

/** The largest fraction of new connections `isp` was given in any of `seen`. */
export function maxShareOf(seen: Record<number, number>[], isp: number): number {
  return Math.max(
    0,
    ...seen.map(
      (s) =>
        (s[isp] ?? 0) /
        Math.max(
          1,
          Object.values(s).reduce((a, b) => a + b, 0),
        ),
    ),
  );
}

/** Shapes what an ISP sends upstream (the router's uploads) with tbf; 0 removes the shaping. */
export async function shapeUpload(lab: Lab, isp: number, mbit: number): Promise<void> {
  await lab.exec(lab.ns.isp(isp), ['tc', 'qdisc', 'del', 'dev', 'up0', 'root'], { reject: false });
  if (mbit > 0)
    await lab.exec(lab.ns.isp(isp), [
      'tc',
      'qdisc',
      'add',
      'dev',
      'up0',
      'root',
      'tbf',
      'rate',
      `${mbit}mbit`,
      'burst',
      '32kbit',
      'latency',
      '50ms',
    ]);
}

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/** A sink server in inet on the main server address (reads and discards uploads). */
export async function startSink(lab: Lab, port: number): Promise<ManagedProcess> {
  const p = lab.spawn(
    lab.ns.inet,
    nodeArgv(here('./servers/sink-server.ts'), ['--bind', lab.addr.server, '--port', String(port)]),
  );
  await p.waitForLine('ready', 15000);
  return p;
}

/** Starts one bulk upload from the client (bounded by bytes and seconds); resolves once connected, with the ISP used. */
export async function startBulk(
  lab: Lab,
  port: number,
  bytes: number,
  seconds: number,
): Promise<{ proc: ManagedProcess; isp: number | undefined; done: Promise<{ sent: number; ms: number }> }> {
  const proc = lab.spawn(
    lab.ns.client,
    nodeArgv(here('./clients/bulk-client.ts'), [
      '--to',
      lab.addr.server,
      '--port',
      String(port),
      '--bytes',
      String(bytes),
      '--seconds',
      String(seconds),
    ]),
  );
  const first = await proc.nextLine(15000);
  if (!first.startsWith('connected ')) throw new Error(`bulk upload failed: ${first}`);
  const done = proc.nextLine((seconds + 5) * 1000).then((l) => JSON.parse(l) as { sent: number; ms: number });
  return { proc, isp: lab.ispForPublicAddress(first.slice('connected '.length)), done };
}

/** Opens `count` connections one after another (`intervalMs` apart) from the client and holds them; resolves with the ISP of each. */
export async function holdConnections(
  lab: Lab,
  o: { port: number; count: number; intervalMs: number; seconds?: number },
): Promise<{ proc: ManagedProcess; isps: number[] }> {
  const proc = lab.spawn(
    lab.ns.client,
    nodeArgv(here('./clients/hold-client.ts'), [
      '--to',
      lab.addr.server,
      '--port',
      String(o.port),
      '--count',
      String(o.count),
      '--interval-ms',
      String(o.intervalMs),
      '--seconds',
      String(o.seconds ?? 40),
    ]),
  );
  const isps: number[] = [];
  for (;;) {
    const line = await proc.nextLine(10000);
    if (line === 'done') break;
    isps.push(lab.ispForPublicAddress(JSON.parse(line).src) ?? 0);
  }
  return { proc, isps };
}

/** Counts per ISP (index 1..3) of a list of ISP numbers. */
export const tally = (isps: number[]) => [1, 2, 3].map((i) => isps.filter((x) => x === i).length);

/** The router's transmit rate on a WAN device over `ms`, in Mbit/s (what mwan measures too). */
export async function txMbps(lab: Lab, dev: string, ms = 1000): Promise<number> {
  const read = async () =>
    Number((await lab.exec(lab.ns.router, ['cat', `/sys/class/net/${dev}/statistics/tx_bytes`])).stdout.trim());
  const a = await read();
  await sleep(ms);
  return (((await read()) - a) * 8) / (ms / 1000) / 1e6;
}
