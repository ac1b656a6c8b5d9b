// Shared pieces of the strategy lab tests: a daemon with policies and rules, reading a policy's chain, ISP shaping.
import { createLab, type Lab } from '../lab/topology.ts';
import { startServers } from '../lab/traffic.ts';
import { labConfig, mwanFor, type ConfigOptions, type Mwan } from './fixture.ts';
import { layoutOf } from './helpers.ts';

export interface StrategyLab { lab: Lab; mwan: Mwan; stop(): Promise<void> }

/** A 3-WAN lab, the standard servers, and a daemon whose config gets `extra` (policies, rules, defaultPolicy…). */
export async function startStrategyLab(extra: Record<string, unknown>, o: Omit<ConfigOptions, 'extra'> & { wans?: ConfigOptions['wans'] } = {}): Promise<StrategyLab> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    mwan = mwanFor(lab, (dir) => labConfig(lab, dir, { ...o, extra }));
    await Promise.all([startServers(lab), mwan.startDaemon()]);
    const m = mwan;
    return { lab, mwan: m, stop: async () => { try { await m.cleanup(); } finally { await lab.teardown(); } } };
  } catch (err) {
    try { await mwan?.cleanup(); } finally { await lab.teardown(); }
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

/** Shapes what an ISP sends upstream (the router's uploads) with tbf; 0 removes the shaping. */
export async function shapeUpload(lab: Lab, isp: number, mbit: number): Promise<void> {
  await lab.exec(lab.ns.isp(isp), ['tc', 'qdisc', 'del', 'dev', 'up0', 'root'], { reject: false });
  if (mbit > 0) await lab.exec(lab.ns.isp(isp), ['tc', 'qdisc', 'add', 'dev', 'up0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '32kbit', 'latency', '50ms']);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
