// A lab of many WANs for the scale benchmark: a router with N WAN veths to one "upstream" namespace that answers the probes.
import { execa } from 'execa';
import { ipBatch, newPrefix, registerForExitCleanup, teardownOnce, removeStaleLabs } from '../kit/lab/netns.ts';
import { ProcessTracker, spawnInNs, type ManagedProcess } from '../kit/lab/processes.ts';

/** Probe targets, on the upstream namespace's loopback (documentation addresses, lab only). */
export const TARGETS: [string, string] = ['203.0.113.10', '203.0.113.11'];
export const LAN_HOST = '10.77.0.2';

export interface ScaleLab {
  router: string;
  wans: number;
  /** WAN i (1-based): device wan<i> with 100.64.<i>.2/30, gateway 100.64.<i>.1 in the upstream namespace. */
  wan(i: number): { name: string; device: string; gateway: string };
  exec(argv: string[], timeoutMs?: number): Promise<{ stdout: string; exitCode: number }>;
  spawn(argv: string[]): ManagedProcess;
  teardown(): Promise<void>;
}

/** Builds the lab (1..250 WANs); tears it down if building fails. */
export async function createScaleLab(wans: number): Promise<ScaleLab> {
  if (!Number.isInteger(wans) || wans < 1 || wans > 250) throw new Error(`wans must be 1..250, got ${wans}`);
  await removeStaleLabs();
  const prefix = newPrefix();
  const router = `${prefix}-router`;
  const up = `${prefix}-up`;
  const namespaces = [router, up];
  const tracker = new ProcessTracker();
  const unregister = registerForExitCleanup({ namespaces, pids: () => tracker.pids() });
  const teardown = teardownOnce(namespaces, tracker, unregister);
  const ids = Array.from({ length: wans }, (_, k) => k + 1);
  try {
    await ipBatch(namespaces.map((n) => `netns add ${n}`));
    await ipBatch(
      [
        'link set lo up',
        `link add lan0 type veth peer name lanp netns ${up}`,
        'addr add 10.77.0.1/24 dev lan0',
        'link set lan0 up',
        ...ids.flatMap((i) => [
          `link add wan${i} type veth peer name g${i} netns ${up}`,
          `addr add 100.64.${i}.2/30 dev wan${i}`,
          `link set wan${i} up`,
        ]),
      ],
      router,
    );
    await ipBatch(
      [
        'link set lo up',
        ...TARGETS.map((t) => `addr add ${t}/32 dev lo`),
        `addr add ${LAN_HOST}/24 dev lanp`,
        'link set lanp up',
        ...ids.flatMap((i) => [`addr add 100.64.${i}.1/30 dev g${i}`, `link set g${i} up`]),
      ],
      up,
    );
    await execa('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { timeout: 10000 });
  } catch (err) {
    await teardown();
    throw err;
  }
  return {
    router,
    wans,
    wan: (i) => ({ name: `isp${i}`, device: `wan${i}`, gateway: `100.64.${i}.1` }),
    async exec(argv, timeoutMs = 30000) {
      const r = await execa('ip', ['netns', 'exec', router, ...argv], { reject: false, timeout: timeoutMs });
      return { stdout: String(r.stdout ?? ''), exitCode: r.exitCode ?? -1 };
    },
    spawn: (argv) => spawnInNs(router, argv, {}, tracker),
    teardown,
  };
}
