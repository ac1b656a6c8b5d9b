// mwan on both routers of the HA lab (the same configuration file, each daemon under its own host name), and the suite fixture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { MWANCTL } from './fixture.ts';
import { createHaLab, ROUTERS, type HaLab, type HaLabOptions, type RouterName } from './ha-pair.ts';
import { startHaServer } from './ha-traffic.ts';
import { skipWithoutLab } from './helpers.ts';
import type { ManagedProcess } from './processes.ts';
import { waitFor } from '../time.ts';

/** One configuration for both routers (only the state directory and socket are per router, since they share a disk). */
export function haConfig(lab: HaLab, dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const isps = Array.from({ length: lab.wans }, (_, k) => k + 1);
  return {
    mode: 'balanced',
    lan: [{ device: 'lan0' }],
    stateDir: path.join(dir, 'state'),
    control: { socket: path.join(dir, 'mwan.sock') },
    pluginsDir: path.join(dir, 'plugins.d'),
    wans: isps.map((i) => ({ name: `isp${i}`, device: `wan${i}`, gateway: lab.addr.ispGateway(i) })),
    ha: {
      nodes: ROUTERS.map((r, k) => ({ name: r, priority: k === 0 ? 150 : 100, syncAddress: lab.addr.sync(r) })),
      syncDevice: 'sync0',
      lan: { lan0: lab.addr.lanVip },
      wans: Object.fromEntries(isps.map((i) => [`isp${i}`, lab.addr.wanVip(i)])),
      ...extra,
    },
  };
}

export interface HaNode {
  name: RouterName;
  dir: string;
  configPath: string;
  daemon?: ManagedProcess;
  /** Rewrites the configuration file with `top` merged over the top-level fields (the daemon reads it on `apply`). */
  writeConfig(top?: Record<string, unknown>): void;
  ctl(args: string[], timeout?: number): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  start(): Promise<ManagedProcess>;
  /** The role the daemon reports (`status --json`: plugins.ha.role), null without one. */
  role(): Promise<string | null>;
  cleanup(): Promise<void>;
}

export function haNode(
  lab: HaLab,
  name: RouterName,
  extra?: Record<string, unknown>,
  top: Record<string, unknown> = {},
): HaNode {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mwan-ha-${name}-`));
  const configPath = path.join(dir, 'mwan.config.json');
  const writeConfig = (t: Record<string, unknown> = top) =>
    writeFileSync(configPath, JSON.stringify({ ...haConfig(lab, dir, extra), ...t }, null, 2));
  writeConfig();
  const ns = lab.ns.router(name);
  const node: HaNode = {
    name,
    dir,
    configPath,
    writeConfig,
    ctl: (args, timeout = 30000) =>
      lab.exec(ns, [process.execPath, MWANCTL, '--config', configPath, ...args], { reject: false, timeout }),
    async start() {
      // Its own host name, so the ha plugin finds its node entry; keepalived and conntrackd inherit it.
      const d = lab.spawn(ns, [
        'unshare',
        '--uts',
        'sh',
        '-c',
        `hostname ${name} && exec "$@"`,
        'sh',
        process.execPath,
        MWANCTL,
        '--config',
        configPath,
        'daemon',
      ]);
      await d.waitForLine(/mwan daemon ready/, 30000);
      node.daemon = d;
      return d;
    },
    async role() {
      const r = await node.ctl(['status', '--json'], 10000);
      if (r.exitCode !== 0) return null;
      const ha = (JSON.parse(r.stdout) as { plugins?: { ha?: { role: string | null } } }).plugins?.ha;
      return ha?.role ?? null;
    },
    async cleanup() {
      if (node.daemon && !node.daemon.hasExited) await node.ctl(['stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return node;
}

/** Why the HA lab cannot run here (a tool missing), or null. */
export async function missingHaTools(): Promise<string | null> {
  for (const tool of ['keepalived', 'conntrackd', 'unshare']) {
    const r = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (r.exitCode !== 0) return `${tool} is not installed (Debian packages keepalived, conntrackd, util-linux)`;
  }
  return null;
}

export const otherRouter = (r: RouterName): RouterName => (r === 'r1' ? 'r2' : 'r1');

export interface HaPairOptions {
  /** The suite's name in the one-line skip message. */
  suite: string;
  /** Options for createHaLab (number of WANs, IPv6). */
  lab?: HaLabOptions;
  /** Fields merged into the ha section of both routers' configuration. */
  ha?: (lab: HaLab) => Record<string, unknown>;
  /** Top-level fields merged over both routers' configuration (e.g. wans, policies, ipv6). */
  top?: (lab: HaLab) => Record<string, unknown>;
  /** Runs once the lab is built, before any configuration is written or daemon started (baselines, client addresses). */
  prepare?: (lab: HaLab) => Promise<void>;
}

/** The HA pair of one suite: valid from its `before` hook on. */
export interface HaPair {
  readonly lab: HaLab;
  readonly nodes: Record<RouterName, HaNode>;
  /** The role each router's daemon reports. */
  roles(): Promise<Record<RouterName, string | null>>;
  /** Waits (generously: every read starts mwanctl) until one router says master and the other backup; returns the master. */
  elected(timeoutMs?: number): Promise<RouterName>;
}

/**
 * Registers the suite's before/after hooks: skip without root, namespaces or the HA tools; build the lab; write the
 * same configuration on both routers; start the report server in inet (on IPv6 too in a dual-stack lab) and both daemons. After: stop both daemons,
 * remove their files, tear the lab down (whatever happened).
 */
export function useHaPair(o: HaPairOptions): HaPair {
  let lab: HaLab | undefined;
  const nodes = {} as Record<RouterName, HaNode>;
  const roles = async () =>
    Object.fromEntries(await Promise.all(ROUTERS.map(async (r) => [r, await nodes[r].role()]))) as Record<
      RouterName,
      string | null
    >;
  const pair: HaPair = {
    get lab() {
      if (!lab) throw new Error('the HA lab is used before its before hook built it');
      return lab;
    },
    nodes,
    roles,
    async elected(timeoutMs = 90000) {
      let last: Record<string, string | null> = {};
      await waitFor(
        async () => {
          last = await roles();
          return (last.r1 === 'master' && last.r2 === 'backup') || (last.r1 === 'backup' && last.r2 === 'master');
        },
        timeoutMs,
        'one master and one backup',
      ).catch((error: Error) => {
        throw new Error(`${error.message}; roles ${JSON.stringify(last)}`);
      });
      return last.r1 === 'master' ? 'r1' : 'r2';
    },
  };

  before(async function () {
    await skipWithoutLab(this, o.suite);
    const missing = await missingHaTools();
    if (missing) {
      console.log(`${o.suite}: skipped: ${missing}`);
      this.skip();
    }
    lab = await createHaLab(o.lab);
    await o.prepare?.(lab);
    for (const r of ROUTERS) nodes[r] = haNode(lab, r, o.ha?.(lab), o.top?.(lab));
    const l = lab;
    await Promise.all([
      startHaServer(l),
      ...(l.addr6 ? [startHaServer(l, l.addr6.server)] : []),
      ...ROUTERS.map((r) => nodes[r].start()),
    ]);
  });

  after(async () => {
    try {
      for (const r of ROUTERS) await nodes[r]?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  return pair;
}
