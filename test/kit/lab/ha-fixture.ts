// mwan on both routers of the HA lab: the same configuration file, each daemon under its own host name (a UTS namespace).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MWANCTL } from './fixture.ts';
import { ROUTERS, type HaLab, type RouterName } from './ha-pair.ts';
import type { ManagedProcess } from './processes.ts';

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
