// Builds and removes the multi-WAN namespace lab: client ↔ router ↔ isp1..N ↔ inet (servers), nothing in the host ns.
import { execa } from 'execa';
import { ProcessTracker, spawnInNs, type ManagedProcess, type SpawnOptions } from './processes.ts';
import {
  FORWARD6,
  lab6CarrierBack,
  NO_DAD,
  isp6Ruleset,
  ispForAddress6,
  lab6Addresses,
  lab6Batches,
  type Lab6Addresses,
} from './dual-stack.ts';
import { GUEST, guestHostLines, guestRouter6Lines, guestRouterLinks, type GuestAddresses } from './guest-lan.ts';
import { ipBatch, newPrefix, nftApply, registerForExitCleanup, teardownOnce, removeStaleLabs } from './netns.ts';

export { removeStaleLabs, hasLabPrivileges } from './netns.ts';
export type { ManagedProcess, SpawnOptions } from './processes.ts';

export interface LabOptions {
  /** Number of WANs / ISPs, 1..8 (default 3). */
  wans?: number;
  /** Adds `default via 100.64.k.1 dev wan{k}` (and, with ipv6, via 2001:db8:k::1) to the router's main table (harness self-tests only). */
  routerDefaultVia?: number;
  /** ISP `isp` DNATs TCP `port` arriving on up0 for its public address to the router's WAN address. */
  ispPortForward?: { isp: number; port: number }[];
  /** Dual stack (test/kit/lab/dual-stack.ts): IPv6 on every link too, a ULA LAN, each ISP's /48; off by default. */
  ipv6?: boolean;
  /** A second LAN (test/kit/lab/guest-lan.ts): namespace `ns.guest` on the router's guest0; off by default. */
  guestLan?: boolean;
}

export type { Lab6Addresses } from './dual-stack.ts';
export type Family = 'ipv4' | 'ipv6';

export interface ExecOptions {
  timeout?: number;
  input?: string;
  reject?: boolean;
}
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Lab {
  prefix: string;
  wans: number;
  /** Every namespace of this lab. */
  namespaces: string[];
  /** `guest` exists only with `guestLan` (exec refuses it otherwise). */
  ns: { client: string; router: string; inet: string; guest: string; isp: (i: number) => string };
  /** The second LAN's addresses (with `guestLan`). */
  guest: GuestAddresses;
  addr: {
    client: string;
    routerLan: string;
    routerWan: (i: number) => string;
    ispGateway: (i: number) => string;
    ispPublic: (i: number) => string;
    inetPeer: (i: number) => string;
    server: string;
    server2: string;
  };
  /** Whether the lab is dual stack; `addr6` then holds its IPv6 addresses (without it, they throw). */
  ipv6: boolean;
  addr6: Lab6Addresses;
  exec(ns: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  ispForPublicAddress(addr: string): number | undefined;
  /** The ISP whose 2001:db8:<i>::/48 holds an IPv6 address (a WAN address or a delegated prefix's). */
  ispForAddress6(addr: string): number | undefined;
  cutCarrier(i: number): Promise<void>;
  restoreCarrier(i: number): Promise<void>;
  /** Drops everything on ISP i's upstream link: both families, or only `family`. */
  cutUpstream(i: number, family?: Family): Promise<void>;
  restoreUpstream(i: number, family?: Family): Promise<void>;
  /** Random loss on traffic the ISP forwards from the router (percent, 0 removes it; restoreUpstream also clears it). */
  setLoss(i: number, pct: number): Promise<void>;
  spawn(ns: string, argv: string[], opts?: SpawnOptions): ManagedProcess;
  teardown(): Promise<void>;
}

const ispRuleset = (i: number, forwards: number[]): string => `
table ip lab {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
${forwards.map((p) => `    iifname "up0" ip daddr 198.51.100.${4 * i + 2} tcp dport ${p} dnat to 100.64.${i}.2:${p}`).join('\n')}
  }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "up0" masquerade; }
  chain forward { type filter hook forward priority filter; policy accept; }
  chain input { type filter hook input priority filter; policy accept; }
  chain output { type filter hook output priority filter; policy accept; }
}
`;

/** Builds a lab; removes stale labs first and tears itself down if building fails. */
export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const wans = opts.wans ?? 3;
  if (!Number.isInteger(wans) || wans < 1 || wans > 8) throw new Error(`wans must be 1..8, got ${wans}`);
  const isIsp = (i: number): boolean => Number.isInteger(i) && i >= 1 && i <= wans;
  const checkIsp = (i: number): number => {
    if (!isIsp(i)) throw new Error(`isp index ${i} out of 1..${wans}`);
    return i;
  };
  if (opts.routerDefaultVia !== undefined) checkIsp(opts.routerDefaultVia);
  for (const f of opts.ispPortForward ?? []) {
    checkIsp(f.isp);
    if (!Number.isInteger(f.port) || f.port < 1 || f.port > 65535) throw new Error(`bad forwarded port ${f.port}`);
  }

  await removeStaleLabs();
  const prefix = newPrefix();
  const ns = {
    client: `${prefix}-client`,
    router: `${prefix}-router`,
    inet: `${prefix}-inet`,
    guest: `${prefix}-guest`,
    isp: (i: number) => `${prefix}-isp${checkIsp(i)}`,
  };
  const isps = Array.from({ length: wans }, (_, k) => k + 1);
  const guestLan = opts.guestLan ?? false;
  const namespaces = [ns.client, ns.router, ns.inet, ...(guestLan ? [ns.guest] : []), ...isps.map(ns.isp)];
  const addr = {
    client: '10.77.0.2',
    routerLan: '10.77.0.1',
    routerWan: (i: number) => `100.64.${checkIsp(i)}.2`,
    ispGateway: (i: number) => `100.64.${checkIsp(i)}.1`,
    ispPublic: (i: number) => `198.51.100.${4 * checkIsp(i) + 2}`,
    inetPeer: (i: number) => `198.51.100.${4 * checkIsp(i) + 1}`,
    server: '203.0.113.10',
    server2: '203.0.113.11',
  };
  const ipv6 = opts.ipv6 ?? false;
  const addr6 = lab6Addresses((i) => {
    if (!ipv6) throw new Error('this lab has no IPv6 (createLab({ ipv6: true }))');
    return checkIsp(i);
  });
  const families = (family?: Family): Family[] => (family ? [family] : ipv6 ? ['ipv4', 'ipv6'] : ['ipv4']);
  const nftFamily = (f: Family): string => (f === 'ipv4' ? 'ip' : 'ip6');
  const tracker = new ProcessTracker();
  const unregister = registerForExitCleanup({ namespaces, pids: () => tracker.pids() });
  const own = (name: string): string => {
    if (!namespaces.includes(name)) throw new Error(`${name} is not a namespace of lab ${prefix}`);
    return name;
  };

  const teardown = teardownOnce(namespaces, tracker, unregister);

  const carrier = async (i: number, up: boolean): Promise<void> => {
    // Setting down0 down flushes its IPv6 addresses and the routes through it (IPv4 keeps its addresses): put back the
    // ISP's IPv6 end and its route to the delegated prefix, as a provider's equipment does when the line returns.
    const v6Back = up && ipv6 ? lab6CarrierBack(addr6, i) : [];
    await ipBatch([`link set down0 ${up ? 'up' : 'down'}`, ...v6Back], ns.isp(i));
    const deadline = Date.now() + 3000;
    for (;;) {
      const r = await execa('ip', ['-n', ns.router, '-j', 'link', 'show', 'dev', `wan${i}`], {
        reject: false,
        timeout: 5000,
      });
      const flags: string[] = r.exitCode === 0 ? (JSON.parse(r.stdout)[0]?.flags ?? []) : [];
      if (flags.includes('LOWER_UP') === up) return;
      if (Date.now() > deadline) throw new Error(`router wan${i} carrier did not become ${up ? 'up' : 'down'}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };

  const lab: Lab = {
    prefix,
    wans,
    namespaces,
    ns,
    guest: GUEST,
    addr,
    ipv6,
    addr6,
    async exec(name, argv, o = {}) {
      const r = await execa('ip', ['netns', 'exec', own(name), ...argv], {
        input: o.input,
        timeout: o.timeout ?? 10000,
        reject: false,
      });
      const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
      if ((o.reject ?? true) && res.exitCode !== 0) {
        throw new Error(
          `[${name}] ${argv.join(' ')} failed (${r.timedOut ? 'timed out' : `exit ${res.exitCode}`}): ${res.stderr.trim()}`,
        );
      }
      return res;
    },
    ispForPublicAddress(a) {
      const m = /^(?:::ffff:)?198\.51\.100\.(\d+)$/.exec(a.trim());
      if (!m) return undefined;
      const i = (Number(m[1]) - 2) / 4;
      return isIsp(i) ? i : undefined;
    },
    ispForAddress6: (a) => ispForAddress6(a, wans),
    cutCarrier: (i) => carrier(i, false),
    restoreCarrier: (i) => carrier(i, true),
    cutUpstream: (i, family) =>
      nftApply(
        ns.isp(i),
        families(family)
          .map(nftFamily)
          .flatMap((f) => [
            `add rule ${f} lab forward iifname "up0" drop`,
            `add rule ${f} lab forward oifname "up0" drop`,
            `add rule ${f} lab input iifname "up0" drop`,
            `add rule ${f} lab output oifname "up0" drop`,
            '',
          ])
          .join('\n'),
      ),
    restoreUpstream: (i, family) =>
      nftApply(
        ns.isp(i),
        families(family)
          .map(nftFamily)
          .map((f) => `flush chain ${f} lab forward\nflush chain ${f} lab input\nflush chain ${f} lab output\n`)
          .join(''),
      ),
    setLoss: (i, pct) => {
      if (!(pct >= 0 && pct <= 100)) throw new Error(`loss must be 0..100 %, got ${pct}`);
      const drop =
        pct > 0
          ? `add rule ip lab forward iifname "down0" numgen random mod 1000 < ${Math.round(pct * 10)} drop\n`
          : '';
      return nftApply(ns.isp(i), `flush chain ip lab forward\n${drop}`);
    },
    spawn: (name, argv, o) => spawnInNs(own(name), argv, o, tracker),
    teardown,
  };

  try {
    await ipBatch(namespaces.map((n) => `netns add ${n}`));
    // Dual stack: links get usable link-local addresses at once (neighbour discovery waits for them otherwise).
    if (ipv6) await ipBatch(namespaces.map((n) => `netns exec ${n} sysctl -q -w ${NO_DAD}`));
    // Phase 1: create every veth from inside the router / inet namespaces, peers moved straight into their namespaces.
    await Promise.all([
      ipBatch(
        [
          'link set lo up',
          `link add lan0 type veth peer name eth0 netns ${ns.client}`,
          'addr add 10.77.0.1/24 dev lan0',
          'link set lan0 up',
          ...(guestLan ? guestRouterLinks(ns.guest) : []),
          ...isps.flatMap((i) => [
            `link add wan${i} type veth peer name down0 netns ${ns.isp(i)}`,
            `addr add ${addr.routerWan(i)}/30 dev wan${i}`,
            `link set wan${i} up`,
          ]),
        ],
        ns.router,
      ),
      ipBatch(
        [
          'link set lo up',
          `addr add ${addr.server}/32 dev lo`,
          `addr add ${addr.server2}/32 dev lo`,
          ...isps.flatMap((i) => [
            `link add isp${i} type veth peer name up0 netns ${ns.isp(i)}`,
            `addr add ${addr.inetPeer(i)}/30 dev isp${i}`,
            `link set isp${i} up`,
          ]),
        ],
        ns.inet,
      ),
    ]);
    // Phase 2: the other ends, routes, sysctls, ISP NAT.
    const v6 = ipv6 ? lab6Batches(addr6, isps, opts.routerDefaultVia) : undefined;
    await Promise.all([
      ipBatch(
        [
          'link set lo up',
          'addr add 10.77.0.2/24 dev eth0',
          'link set eth0 up',
          'route add default via 10.77.0.1 dev eth0',
          ...(v6?.client ?? []),
        ],
        ns.client,
      ),
      ...isps.map((i) =>
        ipBatch(
          [
            'link set lo up',
            `addr add ${addr.ispGateway(i)}/30 dev down0`,
            'link set down0 up',
            `addr add ${addr.ispPublic(i)}/30 dev up0`,
            'link set up0 up',
            `route add default via ${addr.inetPeer(i)} dev up0`,
            ...(v6?.isp(i) ?? []),
          ],
          ns.isp(i),
        ),
      ),
      ipBatch(
        [ns.router, ...isps.map(ns.isp)].flatMap((n) => [
          `netns exec ${n} sysctl -q -w net.ipv4.ip_forward=1`,
          ...(v6 ? [`netns exec ${n} sysctl -q -w ${FORWARD6}`] : []),
        ]),
      ),
      v6 ? ipBatch(v6.inet, ns.inet) : Promise.resolve(),
      v6 ? ipBatch([...v6.router, ...(guestLan ? guestRouter6Lines() : [])], ns.router) : Promise.resolve(),
      guestLan ? ipBatch(guestHostLines(ipv6), ns.guest) : Promise.resolve(),
      ...isps.map((i) =>
        nftApply(
          ns.isp(i),
          ispRuleset(
            i,
            (opts.ispPortForward ?? []).filter((f) => f.isp === i).map((f) => f.port),
          ) + (v6 ? isp6Ruleset : ''),
        ),
      ),
      opts.routerDefaultVia === undefined
        ? Promise.resolve()
        : ipBatch(
            [`route add default via ${addr.ispGateway(opts.routerDefaultVia)} dev wan${opts.routerDefaultVia}`],
            ns.router,
          ),
    ]);
    return lab;
  } catch (err) {
    await teardown();
    throw err;
  }
}
