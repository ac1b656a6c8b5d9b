// Drives prober.ts in the lab's client namespace: the first connection attempt after a moment that left by given WANs.
import { fileURLToPath } from 'node:url';
import type { Lab, ManagedProcess } from '../kit/lab/topology.ts';
import { nodeArgv } from '../kit/lab/traffic.ts';

const PROBER = fileURLToPath(new URL('./prober.ts', import.meta.url));

export interface Prober {
  proc: ManagedProcess;
  firstVia(since: number, isps: number[], timeoutMs?: number): Promise<number>;
  lastFailureAfter(since: number, horizonMs: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a prober that opens a connection to the lab's server every `intervalMs` (default 5) for at most `maxSeconds`.
 * IPv6 (a dual-stack lab with mwan in npt mode): to the IPv6 server; a WAN is known by its lanPrefix (2001:db8:<i>:100::).
 */
export async function startProber(
  lab: Lab,
  maxSeconds: number,
  intervalMs = 5,
  family: 'ipv4' | 'ipv6' = 'ipv4',
): Promise<Prober> {
  const to = family === 'ipv6' ? lab.addr6.server : lab.addr.server;
  const sourceOf = (i: number) => (family === 'ipv6' ? `2001:db8:${i}:100::2` : lab.addr.ispPublic(i));
  const argv = [to, '80', String(intervalMs), '150', String(maxSeconds)];
  const proc = lab.spawn(lab.ns.client, nodeArgv(PROBER, argv));
  await proc.waitForLine('ready', 15000);
  return {
    proc,
    /** Milliseconds from `since` (epoch ms) to the start of the first attempt after it that left by one of `isps`. */
    async firstVia(since, isps, timeoutMs = 10000) {
      const wanted = new Set(isps.map(sourceOf));
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const line = await proc.nextLine(Math.max(1, deadline - Date.now()));
        if (!line.startsWith('{')) continue;
        const p = JSON.parse(line) as { t: number; src: string | null };
        if (p.t >= since && p.src !== null && wanted.has(p.src)) return p.t - since;
      }
      throw new Error(`no connection left by isp ${isps.join('/')} within ${timeoutMs} ms`);
    },
    /**
     * Watches every attempt started in [since, since + horizonMs] and returns how long after `since` the last
     * failing one started (0 when none failed): from then on, every new connection got through.
     */
    async lastFailureAfter(since, horizonMs) {
      let lastFail = since;
      for (;;) {
        const line = await proc.nextLine(horizonMs + 5000);
        if (!line.startsWith('{')) continue;
        const p = JSON.parse(line) as { t: number; src: string | null };
        if (p.t > since + horizonMs) return lastFail - since;
        if (p.t >= since && p.src === null) lastFail = Math.max(lastFail, p.t);
      }
    },
    stop: async () => {
      await proc.kill();
    },
  };
}
