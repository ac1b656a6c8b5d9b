// Link flaps of the HA master: its LAN link down until the peer holds the virtual addresses, up again, then a settle.
import { ROUTERS, type HaLab, type RouterName } from './ha-pair.ts';
import { sleep, waitFor } from '../time.ts';

export interface FlapFigures {
  flaps: number;
  /** Per flap: how many routers held the LAN virtual address in each sample after the settle (the data path's masters). */
  mastersAfterSettle: number[][];
  /** Flaps after whose settle not exactly one router held every virtual address in every sample. */
  badSettles: number;
  /** Per flap: ms from the master's link down until the peer held the LAN virtual address. */
  takeoverMs: number[];
  /** Why the run stopped before `count` flaps (no single master to flap, or no takeover), if it did. */
  error?: string;
}

/** The routers holding each virtual address: LAN first, then one per WAN. */
async function holders(lab: HaLab): Promise<{ lan: RouterName[]; all: RouterName[] }> {
  const held = await Promise.all(
    ROUTERS.map(async (r) => {
      const out = (await lab.exec(lab.ns.router(r), ['ip', '-4', '-br', 'addr'])).stdout;
      const vips = [lab.addr.lanVip, ...Array.from({ length: lab.wans }, (_, k) => lab.addr.wanVip(k + 1))];
      const has = vips.map((v) => out.includes(` ${v}/32`));
      return { r, lan: has[0], all: has.every(Boolean) };
    }),
  );
  return { lan: held.filter((h) => h.lan).map((h) => h.r), all: held.filter((h) => h.all).map((h) => h.r) };
}

/** The one router holding the LAN virtual address, or an error naming what was seen. */
export async function currentMaster(lab: HaLab): Promise<RouterName> {
  const h = await holders(lab);
  if (h.lan.length !== 1) throw new Error(`expected one router holding ${lab.addr.lanVip}, saw [${h.lan.join(', ')}]`);
  return h.lan[0];
}

/**
 * Flaps whichever router is master `count` times: its lan0 (the VRRP link) down until the peer holds the LAN virtual
 * address (bounded by `takeoverTimeoutMs`), up again, `settleMs` of quiet, then `samples` looks 50 ms apart.
 */
export async function flapMaster(
  lab: HaLab,
  o: { count: number; settleMs?: number; samples?: number; takeoverTimeoutMs?: number },
): Promise<FlapFigures> {
  const settleMs = o.settleMs ?? 1000;
  const samples = o.samples ?? 5;
  const figures: FlapFigures = { flaps: 0, mastersAfterSettle: [], badSettles: 0, takeoverMs: [] };
  try {
    for (let i = 0; i < o.count; i++)
      await flapOnce(lab, i, figures, { settleMs, samples, timeoutMs: o.takeoverTimeoutMs ?? 15000 });
  } catch (e) {
    figures.error = (e as Error).message;
  }
  return figures;
}

async function flapOnce(
  lab: HaLab,
  i: number,
  figures: FlapFigures,
  o: { settleMs: number; samples: number; timeoutMs: number },
): Promise<void> {
  // A settle that failed may still resolve (a starved keepalived catching up): wait for one holder, bounded.
  let master: RouterName | undefined;
  await waitFor(
    async () => {
      const h = await holders(lab);
      master = h.lan.length === 1 ? h.lan[0] : undefined;
      return master !== undefined;
    },
    o.timeoutMs,
    `exactly one router holding ${lab.addr.lanVip} before flap ${i + 1}`,
  );
  if (!master) throw new Error('unreachable: no master after waitFor');
  const peer = master === 'r1' ? 'r2' : 'r1';
  const ns = lab.ns.router(master);
  const t0 = performance.now();
  await lab.exec(ns, ['ip', 'link', 'set', 'lan0', 'down']);
  try {
    await waitFor(
      async () => (await holders(lab)).lan.includes(peer),
      o.timeoutMs,
      `${peer} to take over at flap ${i + 1}`,
    );
  } finally {
    figures.takeoverMs.push(Math.round(performance.now() - t0));
    await lab.exec(ns, ['ip', 'link', 'set', 'lan0', 'up']);
  }
  figures.flaps++;
  await sleep(o.settleMs);
  const seen: number[] = [];
  let bad = false;
  for (let s = 0; s < o.samples; s++) {
    const h = await holders(lab);
    seen.push(h.lan.length);
    if (h.lan.length !== 1 || h.all.length !== 1 || h.all[0] !== h.lan[0]) bad = true;
    if (s < o.samples - 1) await sleep(50);
  }
  figures.mastersAfterSettle.push(seen);
  if (bad) figures.badSettles++;
}
