// Builds the HA lab: client and two routers on a LAN bridge, a bridge per ISP (shared WAN subnet), a sync link, ISPs NATing to inet.
import { execa } from 'execa';
import { ProcessTracker, spawnInNs, type ManagedProcess, type SpawnOptions } from './processes.ts';
import { ipBatch, newPrefix, nftApply, registerForExitCleanup, removeStaleLabs, teardownOnce } from './netns.ts';
import type { ExecOptions, ExecResult } from './topology.ts';
import { waitFor } from '../time.ts';
import { HA_SYSCTLS6, haLab6Addresses, haLab6Batches, haLab6RebootLines, type HaLab6Addresses } from './ha-pair6.ts';

export type RouterName = 'r1' | 'r2';
export const ROUTERS: readonly RouterName[] = ['r1', 'r2'];
const NUMBER: Record<RouterName, number> = { r1: 2, r2: 3 };

export interface HaLab {
  prefix: string;
  wans: number;
  namespaces: string[];
  ns: { client: string; sw: string; inet: string; router: (r: RouterName) => string; isp: (i: number) => string };
  addr: {
    client: string;
    lanVip: string;
    routerLan: (r: RouterName) => string;
    routerWan: (r: RouterName, i: number) => string;
    wanVip: (i: number) => string;
    ispGateway: (i: number) => string;
    ispPublic: (i: number) => string;
    sync: (r: RouterName) => string;
    server: string;
  };
  /** The IPv6 addresses (ha-pair6.ts) when the lab was built with `ipv6: true`. */
  addr6?: HaLab6Addresses;
  exec(ns: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  ispForPublicAddress(addr: string): number | undefined;
  /** The router's devices: lan0, wan1..N, sync0. */
  devices(): string[];
  /** Power loss: every link of the router down first (so nothing it sends gets out), then kill -9 every process in it. */
  powerOff(r: RouterName): Promise<void>;
  /**
   * The router's links up again (its processes are gone; the test starts the daemon again). With `reboot`, first what a
   * reboot loses: the virtual addresses keepalived held (/32 on lan0 and the WANs) and the connection table.
   */
  powerOn(r: RouterName, reboot?: boolean): Promise<void>;
  /** Only the sync link down (or up), on both ends. */
  setSyncLink(up: boolean): Promise<void>;
  spawn(ns: string, argv: string[], opts?: SpawnOptions): ManagedProcess;
  teardown(): Promise<void>;
}

const ispRuleset = `
table ip lab {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "up0" masquerade; }
}
`;

/** The pids of every process in namespace `ns`. */
async function pidsIn(ns: string): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', ns], { reject: false, timeout: 5000 });
  return String(r.stdout ?? '')
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1);
}

function killAllIn(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export interface HaLabOptions {
  /** ISPs, each with a bridge both routers' WANs share (1..4, default 2). */
  wans?: number;
  /** Dual stack: a ULA LAN behind the virtual link-local gateway, a shared IPv6 /64 per ISP (ha-pair6.ts). */
  ipv6?: boolean;
}

export async function createHaLab(o: HaLabOptions = {}): Promise<HaLab> {
  const wans = o.wans ?? 2;
  if (!Number.isInteger(wans) || wans < 1 || wans > 4) throw new Error(`wans must be 1..4, got ${wans}`);
  const isps = Array.from({ length: wans }, (_, k) => k + 1);
  await removeStaleLabs();
  const prefix = newPrefix();
  const ns = {
    client: `${prefix}-client`,
    sw: `${prefix}-sw`,
    inet: `${prefix}-inet`,
    router: (r: RouterName) => `${prefix}-${r}`,
    isp: (i: number) => `${prefix}-isp${i}`,
  };
  const routerNs = ROUTERS.map(ns.router);
  const namespaces = [ns.client, ns.sw, ns.inet, ...routerNs, ...isps.map(ns.isp)];
  const addr = {
    client: '10.77.0.100',
    lanVip: '10.77.0.1',
    routerLan: (r: RouterName) => `10.77.0.${NUMBER[r]}`,
    routerWan: (r: RouterName, i: number) => `100.64.${i}.${NUMBER[r]}`,
    wanVip: (i: number) => `100.64.${i}.10`,
    ispGateway: (i: number) => `100.64.${i}.1`,
    ispPublic: (i: number) => `198.51.100.${4 * i + 2}`,
    sync: (r: RouterName) => `10.99.0.${NUMBER[r] - 1}`,
    server: '203.0.113.10',
  };
  const addr6 = o.ipv6 ? haLab6Addresses : undefined;
  const tracker = new ProcessTracker();
  // Besides the tracked processes, whatever runs in the routers (keepalived, conntrackd) dies before the namespaces go.
  const killRouters = async () => killAllIn((await Promise.all(routerNs.map(pidsIn))).flat());
  const unregister = registerForExitCleanup({ namespaces, pids: () => tracker.pids() });
  const baseTeardown = teardownOnce(namespaces, tracker, unregister);
  const teardown = async () => {
    await killRouters().catch(() => undefined);
    await baseTeardown();
  };
  const own = (name: string): string => {
    if (!namespaces.includes(name)) throw new Error(`${name} is not a namespace of lab ${prefix}`);
    return name;
  };
  const routerLinks = ['lan0', ...isps.map((i) => `wan${i}`), 'sync0'];
  const setLinks = (r: RouterName, up: boolean, links: string[]) =>
    ipBatch(
      links.map((l) => `link set ${l} ${up ? 'up' : 'down'}`),
      ns.router(r),
    );

  const lab: HaLab = {
    prefix,
    wans,
    namespaces,
    ns,
    addr,
    addr6,
    async exec(name, argv, opt = {}) {
      const r = await execa('ip', ['netns', 'exec', own(name), ...argv], {
        input: opt.input,
        timeout: opt.timeout ?? 10000,
        reject: false,
      });
      const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
      if ((opt.reject ?? true) && res.exitCode !== 0)
        throw new Error(`[${name}] ${argv.join(' ')} failed (exit ${res.exitCode}): ${res.stderr.trim()}`);
      return res;
    },
    ispForPublicAddress(a) {
      const m = /^(?:::ffff:)?198\.51\.100\.(\d+)$/.exec(a.trim());
      const i = m ? (Number(m[1]) - 2) / 4 : Number.NaN;
      return isps.includes(i) ? i : undefined;
    },
    devices: () => [...routerLinks],
    async powerOff(r) {
      await setLinks(r, false, routerLinks);
      killAllIn(await pidsIn(ns.router(r)));
    },
    async powerOn(r, reboot = false) {
      if (reboot) {
        await ipBatch(
          [`addr del ${addr.lanVip}/32 dev lan0`, ...isps.map((i) => `addr del ${addr.wanVip(i)}/32 dev wan${i}`)],
          ns.router(r),
          true,
        ).catch(() => undefined);
        if (addr6) await ipBatch(haLab6RebootLines(addr6, isps), ns.router(r), true).catch(() => undefined);
        await lab.exec(ns.router(r), ['conntrack', '-F'], { reject: false });
      }
      await setLinks(r, true, routerLinks);
    },
    async setSyncLink(up) {
      await Promise.all(ROUTERS.map((r) => setLinks(r, up, ['sync0'])));
    },
    spawn: (name, argv, opt) => spawnInNs(own(name), argv, opt, tracker),
    teardown,
  };

  try {
    await ipBatch(namespaces.map((n) => `netns add ${n}`));
    if (addr6) await Promise.all(namespaces.map((n) => lab.exec(n, HA_SYSCTLS6)));
    const bridges = ['brlan', ...isps.map((i) => `brwan${i}`)];
    // The switch first: a bridge per segment, multicast flooded (VRRP advertisements).
    await ipBatch(
      [
        'link set lo up',
        ...bridges.flatMap((b) => [
          `link add ${b} type bridge forward_delay 0 mcast_snooping 0 stp_state 0`,
          `link set ${b} up`,
        ]),
      ],
      ns.sw,
    );
    await Promise.all([
      ...ROUTERS.map((r) =>
        ipBatch(
          [
            'link set lo up',
            `link add lan0 type veth peer name ${r}lan netns ${ns.sw}`,
            `addr add ${addr.routerLan(r)}/24 dev lan0`,
            ...isps.flatMap((i) => [
              `link add wan${i} type veth peer name ${r}wan${i} netns ${ns.sw}`,
              `addr add ${addr.routerWan(r, i)}/24 dev wan${i}`,
            ]),
            ...(r === 'r1' ? [`link add sync0 type veth peer name sync0 netns ${ns.router('r2')}`] : []),
          ],
          ns.router(r),
        ),
      ),
      ipBatch(['link set lo up', `link add eth0 type veth peer name client netns ${ns.sw}`], ns.client),
      ipBatch(
        [
          'link set lo up',
          `addr add ${addr.server}/32 dev lo`,
          ...isps.map((i) => `link add isp${i} type veth peer name up0 netns ${ns.isp(i)}`),
        ],
        ns.inet,
      ),
    ]);
    await Promise.all(
      isps.map((i) =>
        ipBatch(['link set lo up', `link add down0 type veth peer name isp${i} netns ${ns.sw}`], ns.isp(i)),
      ),
    );
    await Promise.all([
      ipBatch(
        [
          'link set client master brlan',
          ...ROUTERS.flatMap((r) => [
            `link set ${r}lan master brlan`,
            ...isps.map((i) => `link set ${r}wan${i} master brwan${i}`),
          ]),
          ...isps.map((i) => `link set isp${i} master brwan${i}`),
          ...[
            'client',
            ...ROUTERS.flatMap((r) => [`${r}lan`, ...isps.map((i) => `${r}wan${i}`)]),
            ...isps.map((i) => `isp${i}`),
          ].map((l) => `link set ${l} up`),
        ],
        ns.sw,
      ),
      ...ROUTERS.map((r) =>
        ipBatch([`addr add ${addr.sync(r)}/30 dev sync0`, ...routerLinks.map((l) => `link set ${l} up`)], ns.router(r)),
      ),
      ipBatch(
        [`addr add ${addr.client}/24 dev eth0`, 'link set eth0 up', `route add default via ${addr.lanVip} dev eth0`],
        ns.client,
      ),
      ipBatch(
        isps.flatMap((i) => [`addr add 198.51.100.${4 * i + 1}/30 dev isp${i}`, `link set isp${i} up`]),
        ns.inet,
      ),
      ...isps.map((i) =>
        ipBatch(
          [
            `addr add ${addr.ispGateway(i)}/24 dev down0`,
            'link set down0 up',
            `addr add ${addr.ispPublic(i)}/30 dev up0`,
            'link set up0 up',
            `route add default via 198.51.100.${4 * i + 1} dev up0`,
          ],
          ns.isp(i),
        ),
      ),
    ]);
    await Promise.all([
      ...isps.map((i) => lab.exec(ns.isp(i), ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])),
      ...isps.map((i) => nftApply(ns.isp(i), ispRuleset)),
    ]);
    if (addr6) {
      const b = haLab6Batches(addr6, isps);
      await Promise.all([
        ipBatch(b.client, ns.client),
        ...ROUTERS.map((r) => ipBatch(b.router(r), ns.router(r))),
        ipBatch(b.inet, ns.inet),
        ...isps.map((i) => ipBatch(b.isp(i), ns.isp(i))),
        ...isps.map((i) => lab.exec(ns.isp(i), ['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1'])),
      ]);
    }
    // The kernel reports a link's operational state a moment after both ends are up (linkwatch): a lab handed over
    // before that shows `DOWN` in a test's baseline and `UP` in the same router later.
    const operUp = async (r: RouterName) => {
      const out = (await lab.exec(ns.router(r), ['ip', '-br', 'link', 'show'])).stdout;
      const state = new Map(
        out
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .map(([d, st]) => [d?.split('@')[0], st]),
      );
      return routerLinks.every((l) => state.get(l) === 'UP');
    };
    await waitFor(async () => (await Promise.all(ROUTERS.map(operUp))).every(Boolean), 10000, 'router links up');
    return lab;
  } catch (err) {
    await teardown();
    throw err;
  }
}
